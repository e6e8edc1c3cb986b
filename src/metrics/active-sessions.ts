/**
 * How many impersonation sessions are live now, for the `gatehouse_impersonation_sessions_active`
 * gauge. Each tenant's index is newest first; a session older than the tenant's longest
 * impersonation cannot be live, so the walk stops there and costs only the recent sessions.
 */
import type { TenantConfig } from '../config/index.js';
import { isActive, listSessions } from '../impersonation/sessions.js';
import type { Store } from '../store/types.js';

const PAGE = 100;

export async function countActiveSessions(store: Store, tenants: readonly Pick<TenantConfig, 'id' | 'impersonation'>[]): Promise<number> {
  const now = Date.now();
  let active = 0;
  for (const tenant of tenants) {
    const oldestLive = now - tenant.impersonation.maxSeconds * 1000;
    for (let offset = 0; ; offset += PAGE) {
      const page = await listSessions(store, { tenant: tenant.id }, PAGE, offset);
      active += page.filter((s) => isActive(s, now)).length;
      if (page.length < PAGE || page.some((s) => s.startedAt < oldestLive)) break;
    }
  }
  return active;
}
