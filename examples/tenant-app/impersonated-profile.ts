/**
 * The impersonated user's profile. The app keeps no user table of its own: it asks Gatehouse's
 * userinfo endpoint with the impersonation token (PROTOCOL.md §3 step 5: `/me` answers it with
 * the user's claims plus `act`) and keeps the answer per impersonation session, in memory, until
 * the session ends or expires.
 */
import type { Context } from 'koa';
import * as oidc from 'openid-client';
import type { SiteState } from './html.js';
import type { TenantAppLogger, TenantSite } from './options.js';
import type { AppUser } from './session.js';

interface Entry {
  profile: Partial<AppUser>;
  expiresAt: number;
}

export interface ProfileCache {
  /** For the kit's `getUserById`: the profile of `sub` in the current impersonation. */
  load(sub: string, ctx: Context): Promise<Partial<AppUser> | null>;
  /** Drops a session's entry (the kit reported it stopped or ended). */
  forget(sid: string): void;
}

export function impersonatedProfiles(
  site: TenantSite,
  client: () => Promise<oidc.Configuration>,
  logger: TenantAppLogger,
): ProfileCache {
  const bySid = new Map<string, Entry>();
  const sweep = (now: number) => {
    for (const [sid, entry] of bySid) if (entry.expiresAt <= now) bySid.delete(sid);
  };
  return {
    async load(sub, ctx) {
      const impersonation = (ctx.state as SiteState).impersonation;
      if (!impersonation || impersonation.sub !== sub) return null;
      const now = Date.now();
      const cached = bySid.get(impersonation.sid);
      if (cached && cached.expiresAt > now) return cached.profile;
      try {
        // fetchUserInfo also checks that the answer is about `sub` (OIDC Core §5.3.2).
        const info = await oidc.fetchUserInfo(await client(), impersonation.accessToken, sub);
        const profile: Partial<AppUser> = {
          ...(typeof info.email === 'string' ? { email: info.email } : {}),
          ...(typeof info.name === 'string' ? { name: info.name } : {}),
          ...(typeof info.tenant === 'string' ? { tenant: info.tenant } : {}),
        };
        sweep(now);
        bySid.set(impersonation.sid, { profile, expiresAt: impersonation.expiresAt.getTime() });
        return profile;
      } catch (err) {
        // Not cached: an ended session is the kit's to notice (introspection), not ours.
        logger.warn({ tenant: site.id, sid: impersonation.sid, err: (err as { code?: string }).code }, 'userinfo failed');
        return null;
      }
    },
    forget(sid) {
      bySid.delete(sid);
    },
  };
}
