/**
 * The tenancy service's refusals in the console's words, shown on the form that was refused
 * (with what the admin typed). The codes and statuses are the service's own table
 * (src/tenancy/errors.ts), the same the management API answers with; only the words for a
 * person at a form are added here, and each failed field is named by its label.
 */
import { type TenancyError, type TenancyErrorCode, tenancyErrors } from '../../tenancy/index.js';

export interface Refusal {
  /** Which form on the page was refused: `settings`, `status`, `add-domain`, `domain:<host>`, `new-client`, `client:<id>`. */
  form: string;
  status: number;
  code: TenancyErrorCode;
  text: string;
  fields: { label: string; message: string }[];
}

/** Where the service's own detail would not tell a person what to do. */
const WORDS: Partial<Record<TenancyErrorCode, string>> = {
  precondition_failed: 'Someone else changed this meanwhile, so nothing was saved. Reload the page to see their change, then make yours again.',
  config_changed: 'The configuration kept changing while this was saved, so nothing was saved. Reload the page and try again.',
  forbidden: 'Your roles do not let you manage tenants.',
  store_unavailable: 'The store could not be reached, so nothing was changed. Try again in a moment.',
};

const LABELS: Record<string, string> = {
  id: 'Id',
  name: 'Name',
  consent: 'Consent',
  approvers: 'Approvers',
  requireSecondAdmin: 'Second admin',
  'impersonation.maxSeconds': 'Longest session',
  'impersonation.defaultSeconds': 'Default session',
  'impersonation.scopes': 'Scopes of an impersonation',
  onReplay: 'A replayed ticket',
  ticketDelivery: 'Ticket delivery',
  redeemPath: 'Redeem path',
  showAdminAs: 'Show the admin as',
  supportTeamLabel: 'Support team label',
  origin: 'Domain',
  method: 'Proof',
  clientId: 'Client id',
  redirectUris: 'Redirect URIs',
  postLogoutRedirectUris: 'Post-logout redirect URIs',
  backchannelLogoutUri: 'Back-channel logout URI',
  grantTypes: 'Grant types',
  scope: 'Scope',
  tenant: 'Tenant',
  overlapSeconds: 'Old secret works for',
};

/** `redirectUris.2` is the Redirect URIs field; a path we have no label for is shown as is. */
function label(path: string): string {
  const parts = path.split('.');
  while (parts.length > 0) {
    const found = LABELS[parts.join('.')];
    if (found) return found;
    parts.pop();
  }
  return path;
}

export function refusalOf(form: string, err: TenancyError): Refusal {
  const fields = (err.issues ?? []).map((i) => ({ label: label(i.path), message: i.message }));
  const text = WORDS[err.code] ?? (fields.length > 0 ? `${tenancyErrors[err.code].title}:` : err.message);
  return { form, status: err.status, code: err.code, text, fields };
}
