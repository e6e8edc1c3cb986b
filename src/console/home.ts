/**
 * The console's front page for a signed-in admin: what needs doing. The admin's live
 * impersonation sessions, the access requests waiting for them (to answer as the second
 * admin, or their own to start), their recent refusals, and whether their passkey
 * confirmation is fresh, in words (acr, amr and auth_time folded away for who wants them).
 */
import { accessRequests } from '../approvals/index.js';
import { auditLogNames } from '../audit/index.js';
import { isActive, listSessions } from '../impersonation/sessions.js';
import { reasons } from '../impersonation/reasons.js';
import type { Services } from '../services.js';
import { STATE_TEXT } from './access-requests.js';
import { coveredTenants, humanDuration, type SignedInAdmin, utc } from './page.js';
import { holdsImpersonationRight } from './rights.js';
import { isSteppedUp } from './session.js';

/** How many of each list the page shows; the full lists are a click away. */
const SHOWN = 5;

export async function homeData(services: Services, signedIn: SignedInAdmin, now = Date.now()) {
  const { config, store, audit, accounts } = services;
  const { session, admin } = signedIn;
  const tenants = coveredTenants(services, admin);
  const tenantName = (id: string | undefined) => tenants.find((t) => t.id === id)?.name ?? id ?? '';
  const requestsOf = accessRequests({ store, audit, policy: config.policy });

  const [sessions, requests, refused, passkeys] = await Promise.all([
    listSessions(store, { admin: admin.id, tenants: services.tenancy.view().tenantIds }, 20),
    Promise.all(tenants.map((t) => requestsOf.list({ tenant: t.id }, 50))),
    audit.list({ type: 'impersonation.denied', admin: admin.id, logs: auditLogNames(tenants.map((t) => t.id)) }, { limit: SHOWN }),
    services.passkeys.count('admin', admin.id),
  ]);

  const userName = async (id: string | undefined) => {
    const user = id ? await accounts.users.findById(id) : null;
    return user ? `${user.name} (${user.email})` : (id ?? '');
  };
  const active = await Promise.all(
    sessions
      .filter((s) => isActive(s, now))
      .slice(0, SHOWN)
      .map(async (s) => ({ sid: s.sid, user: await userName(s.user), tenant: tenantName(s.tenant), left: humanDuration((s.expiresAt - now) / 1000), reason: s.reason })),
  );
  // Waiting for this admin: a second admin's answer (someone else's request), or their own approved request to start.
  const waiting = await Promise.all(
    requests
      .flat()
      .filter((r) => (r.state === 'pending' && r.needsSecondAdmin && !r.secondDecision && r.admin !== admin.id) || (r.state === 'approved' && r.admin === admin.id))
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, SHOWN)
      .map(async (r) => ({
        id: r.id,
        user: r.userName ? `${r.userName} (${r.userEmail})` : await userName(r.user),
        tenant: tenantName(r.tenant),
        // Another admin's request asks this one to approve; the admin's own approved one waits to be started.
        filer: r.admin === admin.id ? null : (r.adminName ?? r.admin),
        state: STATE_TEXT[r.state],
      })),
  );
  const refusals = await Promise.all(
    refused.events.map(async (e) => ({
      when: utc(Date.parse(e.time)),
      user: await userName(e.user),
      tenant: tenantName(e.tenant),
      why: (reasons as Record<string, { description: string }>)[e.code ?? '']?.description ?? e.code ?? '',
    })),
  );

  const stepUpUntil = session.acr === 'phr' && session.authTime ? (session.authTime + config.policy.stepUpMaxAge) * 1000 : 0;
  // Fresh as the console's own checks count it (a margin before the end), so the words never promise more.
  const stepUp =
    isSteppedUp(session, config.policy.stepUpMaxAge, now)
      ? { fresh: true, words: `Confirmed with your passkey: you can impersonate and make changes until ${utc(stepUpUntil).slice(11)} without confirming again.` }
      : session.acr === 'phr'
        ? { fresh: false, words: `Your passkey confirmation has lapsed (it lasts ${humanDuration(config.policy.stepUpMaxAge)}). The console asks for it again when you impersonate or make a change.` }
        : { fresh: false, words: "Signed in with your password. The console asks you to confirm it's you with your passkey when you impersonate or make a change." };

  return {
    admin,
    stepUp,
    technical: {
      acr: session.acr ?? 'unknown',
      amr: (session.amr ?? []).join(', '),
      authTime: session.authTime ? utc(session.authTime * 1000) : 'unknown',
      stepUpUntil: stepUpUntil ? utc(stepUpUntil) : '',
    },
    active,
    waiting,
    refusals,
    passkeys,
    mayImpersonate: holdsImpersonationRight(services.tenancy.view(), admin),
  };
}
