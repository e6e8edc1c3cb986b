/**
 * What the tenant's approvers see on /account about their organisation's protections
 * (PROTOCOL §11): the latest `tenant.protection_changed` events of the tenant's own log —
 * what changed, from what, to what, and who changed it — so a downgrade of consent, of the
 * approvers or of a domain does not go unnoticed by the people the customer put in charge.
 */
import type { User } from '../accounts/types.js';
import type { Services } from '../services.js';

const SHOWN = 10;
/** How far back the page looks: the log keeps everything, the page the recent changes. */
const WINDOW_DAYS = 90;

const utc = (iso: string) => `${iso.replace('T', ' ').slice(0, 16)} UTC`;

/** Who made the change, as a customer reads it (the details' `by` and `via`). */
function changedBy(by: string | undefined, via: string | undefined): string {
  if (via === 'console') return 'Support staff, in the support console';
  if (via === 'manage-api') return `The provider's management client ${by ?? ''}`.trim();
  if (via === 'startup' || via === 'config apply') return "The provider's operator, from the configuration file";
  return "The provider's operator, from the command line";
}

/** The recent protection changes of the user's tenant, for its approvers only; null for everyone else. */
export async function protectionChangesSummary(services: Services, user: User) {
  const tenant = services.tenancy.view().tenant(user.tenant);
  if (!tenant?.approvers.includes(user.email.toLowerCase())) return null;
  const from = new Date(Date.now() - WINDOW_DAYS * 86_400_000);
  const page = await services.audit.list({ tenant: tenant.id, type: 'tenant.protection_changed', from }, { limit: SHOWN });
  return {
    days: WINDOW_DAYS,
    changes: page.events.map((event) => {
      const details = event.details ?? {};
      const names = String(details.changed ?? '').split(',').filter(Boolean);
      return {
        when: utc(event.time),
        by: changedBy(details.by as string | undefined, details.via as string | undefined),
        what: names.map((name) => ({ name, before: String(details[`before.${name}`] ?? ''), after: String(details[`after.${name}`] ?? '') })),
      };
    }),
  };
}
