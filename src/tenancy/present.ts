/**
 * Records as the management API, the CLI and the console show them: times in ISO 8601, a
 * pending domain with what its owner must publish, and a client's secrets as dates only.
 * No secret, and no secret's hash, ever leaves through here (PROTOCOL §11).
 */
import type { ClientRecord, DomainRecord, RoleRecord, TenantRecord, Versioned } from './types.js';
import { proofInstructions } from './verification/index.js';
import { domainHost } from './view.js';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export function domainResource(d: DomainRecord) {
  return {
    origin: d.origin,
    host: domainHost(d.origin),
    status: d.status,
    addedAt: iso(d.addedAt),
    ...(d.status === 'verified' ? { verifiedAt: iso(d.verifiedAt), verifiedBy: d.verifiedBy } : { verification: proofInstructions(d.origin, d.token) }),
  };
}

export function tenantResource({ record }: Versioned<TenantRecord>) {
  const { domains, createdAt, updatedAt, ...settings } = record;
  return { ...settings, domains: domains.map(domainResource), createdAt: iso(createdAt), updatedAt: iso(updatedAt) };
}

export function clientResource({ record }: Versioned<ClientRecord>) {
  const { secrets, createdAt, updatedAt, deletedAt: _deleted, ...fields } = record;
  return {
    ...fields,
    confidential: secrets.length > 0,
    secrets: secrets.map((s) => ({ createdAt: iso(s.createdAt), ...(s.expiresAt === undefined ? { current: true } : { current: false, expiresAt: iso(s.expiresAt) }) })),
    createdAt: iso(createdAt),
    updatedAt: iso(updatedAt),
  };
}

export const roleResource = ({ record }: Versioned<RoleRecord>) => ({ ...record });
