/**
 * The tenant pages' forms (PROTOCOL §11): what their fields mean to the tenancy service — a
 * tenant's settings as a JSON merge patch, a client's fields — and the values a form shows:
 * the record's, or, after a refusal, what the admin typed. Nothing here validates: the
 * service checks everything with the config file's schemas, so a form means exactly what
 * the same change through the API or the CLI means. A number that is not one is passed on
 * as typed, so the service's refusal names the field.
 */
import type { TenantSettings } from '../../config/schema.js';
import { field } from '../../http/body.js';
import { GRANT_TYPE_TOKEN_EXCHANGE } from '../../impersonation/token-types.js';
import type { ClientRecord } from '../../tenancy/index.js';

/** Longest value one field of these forms may hold (a list of URIs, one a line). */
const MAX_FIELD = 4000;

const text = (body: unknown, name: string) => field(body, name, MAX_FIELD) ?? '';
/** A repeated field (checkboxes) as a list of strings; anything else is dropped. */
function many(body: unknown, name: string): string[] {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  const all = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return all.filter((v): v is string => typeof v === 'string' && v.length <= 200);
}
/** One item a line (or separated by commas or spaces, for emails and scopes). */
const lines = (value: string) => value.split(/\r?\n/).map((v) => v.trim()).filter(Boolean);
const words = (value: string) => value.split(/[\s,]+/).filter(Boolean);
const number = (value: string): number | string => (/^\d{1,9}$/.test(value.trim()) ? Number(value.trim()) : value);

/**
 * The settings' choices in words, keyed by the schema's own values (a value added there must
 * be worded here, or this does not compile). The form offers them in this order.
 */
export const CHOICES: {
  consent: Record<TenantSettings['consent'], string>;
  onReplay: Record<TenantSettings['onReplay'], string>;
  ticketDelivery: Record<TenantSettings['ticketDelivery'], string>;
  showAdminAs: Record<TenantSettings['showAdminAs'], string>;
} = {
  consent: {
    none: 'none: support may act without asking',
    'opt-in': 'opt-in: the user allows support access on their account page',
    'access-code': 'access-code: the user hands over a support access code',
    approval: 'approval: the user (or an approver) approves each access request',
  },
  onReplay: {
    revoke: 'revoke: end the session the first presentation started',
    audit: 'audit: record it only',
  },
  ticketDelivery: {
    form_post: 'form_post: tickets stay out of URLs',
    query: 'query: in the URL, for apps that can only take a GET',
  },
  showAdminAs: {
    name: "name: the admin's name and the team label",
    email: "email: the admin's email and the team label",
    team: 'team: the team label only',
  },
};

/** A tenant's settings as the policy form shows them (its id is the page's). */
export interface SettingsForm {
  name: string;
  consent: string;
  approvers: string;
  requireSecondAdmin: boolean;
  maxSeconds: string;
  defaultSeconds: string;
  scopes: string;
  onReplay: string;
  ticketDelivery: string;
  redeemPath: string;
  showAdminAs: string;
  supportTeamLabel: string;
}

export function settingsForm(t: TenantSettings): SettingsForm {
  return {
    name: t.name,
    consent: t.consent,
    approvers: t.approvers.join('\n'),
    requireSecondAdmin: t.requireSecondAdmin,
    maxSeconds: String(t.impersonation.maxSeconds),
    defaultSeconds: String(t.impersonation.defaultSeconds),
    scopes: t.impersonation.scopes.join(' '),
    onReplay: t.onReplay,
    ticketDelivery: t.ticketDelivery,
    redeemPath: t.redeemPath,
    showAdminAs: t.showAdminAs,
    supportTeamLabel: t.supportTeamLabel,
  };
}

export function typedSettings(body: unknown): SettingsForm {
  return {
    name: text(body, 'name'),
    consent: text(body, 'consent'),
    approvers: text(body, 'approvers'),
    // An unticked checkbox sends nothing: absent is false.
    requireSecondAdmin: field(body, 'requireSecondAdmin') === 'on',
    maxSeconds: text(body, 'maxSeconds'),
    defaultSeconds: text(body, 'defaultSeconds'),
    scopes: text(body, 'scopes'),
    onReplay: text(body, 'onReplay'),
    ticketDelivery: text(body, 'ticketDelivery'),
    redeemPath: text(body, 'redeemPath'),
    showAdminAs: text(body, 'showAdminAs'),
    supportTeamLabel: text(body, 'supportTeamLabel'),
  };
}

/** The whole form as a merge patch: the service records only what differs, and validates the result whole. */
export function settingsPatch(form: SettingsForm): Record<string, unknown> {
  return {
    name: form.name,
    consent: form.consent,
    approvers: words(form.approvers),
    requireSecondAdmin: form.requireSecondAdmin,
    impersonation: { maxSeconds: number(form.maxSeconds), defaultSeconds: number(form.defaultSeconds), scopes: words(form.scopes) },
    onReplay: form.onReplay,
    ticketDelivery: form.ticketDelivery,
    redeemPath: form.redeemPath,
    showAdminAs: form.showAdminAs,
    supportTeamLabel: form.supportTeamLabel,
  };
}

/** The create form: an id, a name and how its users consent; the rest starts at the defaults. */
export interface NewTenantForm {
  id: string;
  name: string;
  consent: string;
}

export const typedNewTenant = (body: unknown): NewTenantForm => ({ id: text(body, 'id').trim(), name: text(body, 'name'), consent: text(body, 'consent') });

/** Grant types a tenant's app may be given, in the words the form shows. */
export const GRANT_CHOICES = [
  { value: 'authorization_code', label: 'Sign users in (authorization code)' },
  { value: 'refresh_token', label: 'Refresh tokens' },
  { value: GRANT_TYPE_TOKEN_EXCHANGE, label: 'Redeem support tickets (token exchange)' },
  { value: 'client_credentials', label: 'Client credentials (e.g. reading its audit log)' },
] as const;

/** A new app's grant types: what the onboarding guide gives a customer's app. */
export const NEW_CLIENT_GRANTS = ['authorization_code', 'refresh_token', GRANT_TYPE_TOKEN_EXCHANGE];

/** A tenant client as its form shows it. */
export interface ClientForm {
  clientId: string;
  name: string;
  redirectUris: string;
  postLogoutRedirectUris: string;
  backchannelLogoutUri: string;
  grantTypes: string[];
  scope: string;
}

export function clientForm(c: Pick<ClientRecord, 'clientId' | 'name' | 'redirectUris' | 'postLogoutRedirectUris' | 'backchannelLogoutUri' | 'grantTypes' | 'scope'>): ClientForm {
  return {
    clientId: c.clientId,
    name: c.name ?? '',
    redirectUris: c.redirectUris.join('\n'),
    postLogoutRedirectUris: c.postLogoutRedirectUris.join('\n'),
    backchannelLogoutUri: c.backchannelLogoutUri ?? '',
    grantTypes: [...c.grantTypes],
    scope: c.scope,
  };
}

export function typedClient(body: unknown): ClientForm {
  return {
    clientId: text(body, 'clientId').trim(),
    name: text(body, 'name'),
    redirectUris: text(body, 'redirectUris'),
    postLogoutRedirectUris: text(body, 'postLogoutRedirectUris'),
    backchannelLogoutUri: text(body, 'backchannelLogoutUri').trim(),
    grantTypes: many(body, 'grantTypes'),
    scope: text(body, 'scope').trim(),
  };
}

/** A new tenant client: empty fields take the schema's defaults. */
export function clientCreateInput(form: ClientForm, tenant: string): Record<string, unknown> {
  return {
    clientId: form.clientId,
    role: 'tenant',
    tenant,
    ...(form.name.trim() ? { name: form.name } : {}),
    redirectUris: lines(form.redirectUris),
    postLogoutRedirectUris: lines(form.postLogoutRedirectUris),
    ...(form.backchannelLogoutUri ? { backchannelLogoutUri: form.backchannelLogoutUri } : {}),
    grantTypes: form.grantTypes,
    ...(form.scope ? { scope: form.scope } : {}),
  };
}

/** An update of everything the form shows (RFC 7396: null resets a member to its default). */
export function clientPatch(form: ClientForm): Record<string, unknown> {
  return {
    name: form.name.trim() ? form.name : null,
    redirectUris: lines(form.redirectUris),
    postLogoutRedirectUris: lines(form.postLogoutRedirectUris),
    backchannelLogoutUri: form.backchannelLogoutUri || null,
    grantTypes: form.grantTypes,
    scope: form.scope || null,
  };
}

/** How long a rotated-out secret keeps working: the choices offered (24 h preselected, the service's default). */
export const OVERLAP_CHOICES = [
  { seconds: 0, label: 'refuse the old secret at once' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '24 hours', selected: true },
  { seconds: 7 * 86_400, label: '7 days' },
  { seconds: 30 * 86_400, label: '30 days' },
] as const;

/** The rotation's input: the chosen overlap (none: the service's default), or what was sent, for the service to refuse. */
export function rotateInput(body: unknown): { overlapSeconds?: number | string } {
  const overlap = text(body, 'overlapSeconds');
  return overlap === '' ? {} : { overlapSeconds: number(overlap) };
}

/**
 * The revision the form was rendered with (the record's ETag). Missing or garbled, it is one
 * no record has, so the service refuses the change as made on a stale read.
 */
export function formRevision(body: unknown): number {
  const rev = field(body, 'rev', 20) ?? '';
  return /^\d{1,15}$/.test(rev) ? Number(rev) : -1;
}
