/**
 * Passkey enrollment (PROTOCOL §3.1, §10.1): issuing links (the CLI, a console admin who
 * may manage admins, the dev seed) and their store (links.ts). Issuing is audited as
 * `admin.enrollment_link_issued` (announced by webhook) before the link is handed out; if
 * it cannot be audited, the link is withdrawn and nothing is handed out.
 *
 * @example
 * const { url, expiresAt } = await issueEnrollment(deps, admin, { by: 'cli', via: 'cli' });
 */
import type { Admin } from '../accounts/types.js';
import type { AuditEventInput } from '../audit/events.js';
import type { AuditSink } from '../impersonation/end.js';
import type { Store } from '../store/types.js';
import { discardEnrollmentLink, enrollmentUrl, issueEnrollmentLink } from './links.js';

export interface EnrollmentDeps {
  store: Store;
  audit: AuditSink;
  /** GATEHOUSE_ISSUER: the link's origin. */
  issuer: string;
  /** `policy.passkeyEnrollmentTtl`, seconds. */
  ttl: number;
}

export interface IssuedBy {
  /** An admin id, `cli` or `seed`. */
  by: string;
  via: 'cli' | 'console' | 'seed';
  facts?: Partial<Pick<AuditEventInput, 'requestId' | 'ip' | 'userAgent'>>;
}

export async function issueEnrollment(deps: EnrollmentDeps, admin: Pick<Admin, 'id' | 'email'>, issuedBy: IssuedBy) {
  const { token, linkHash, expiresAt } = await issueEnrollmentLink(deps.store, { admin: admin.id, issuedBy: issuedBy.by, ttl: deps.ttl });
  try {
    await deps.audit.append({
      type: 'admin.enrollment_link_issued',
      outcome: 'success',
      admin: admin.id,
      ...issuedBy.facts,
      details: { adminEmail: admin.email, by: issuedBy.by, via: issuedBy.via, expiresAt: expiresAt.toISOString() },
    });
  } catch (err) {
    await discardEnrollmentLink(deps.store, linkHash).catch(() => undefined);
    throw err;
  }
  return { url: enrollmentUrl(deps.issuer, token), expiresAt };
}

export { type EnrollmentLink, linkHashOf, peekEnrollmentLink, takeEnrollmentLink } from './links.js';
