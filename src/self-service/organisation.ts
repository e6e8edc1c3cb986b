/**
 * Which tenant a person means on the /account sign-in (issue 8 row 11): the organisation
 * they type — its name, its id, or the address of its app (`app.acme.com`,
 * `https://app.acme.com/`) — or the host a tenant's app put in its link to /account. The
 * page never lists tenants, and an organisation that matches nothing is answered like a
 * wrong password, so the customer list cannot be read from Gatehouse.
 */
import type { TenantConfig } from '../config/index.js';

/** The host a typed address names, with or without a scheme, or null when it is none. */
function hostOf(typed: string): { host: string; hostname: string } | null {
  const candidate = /^https?:\/\//i.test(typed) ? typed : `https://${typed}`;
  if (!URL.canParse(candidate)) return null;
  const url = new URL(candidate);
  return { host: url.host, hostname: url.hostname };
}

/** The tenant the typed organisation names, or undefined. */
export function tenantForOrganisation(tenants: readonly TenantConfig[], typed: string | undefined): TenantConfig | undefined {
  const wanted = (typed ?? '').trim().replace(/\s+/g, ' ').toLowerCase();
  if (!wanted) return undefined;
  const byName = tenants.find((t) => t.id === wanted || t.name.trim().replace(/\s+/g, ' ').toLowerCase() === wanted);
  if (byName) return byName;
  const address = wanted.includes('.') || wanted.includes(':') ? hostOf(wanted) : null;
  if (!address) return undefined;
  return tenants.find((t) =>
    t.domains.some((d) => {
      const domain = new URL(d);
      return domain.host === address.host || (address.host === address.hostname && domain.hostname === address.hostname);
    }),
  );
}
