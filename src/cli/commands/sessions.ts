import { endAndAudit } from '../../impersonation/end.js';
import { findSession, isActive, listSessions, type SessionIndex } from '../../impersonation/sessions.js';
import { type CommandGroup, CliError, optionalString, UsageError } from '../command.js';

/** Impersonation sessions (PROTOCOL §3.6): list them, end one. */
export const sessions: CommandGroup = {
  name: 'sessions',
  summary: 'impersonation sessions',
  actions: {
    list: {
      usage: '(--admin ID | --user ID | --tenant ID) [--limit N]',
      summary: 'newest first: sid, state, admin, user, tenant, started, ends, reason',
      options: { admin: { type: 'string' }, user: { type: 'string' }, tenant: { type: 'string' }, limit: { type: 'string' } },
      async run(ctx, values) {
        const admin = optionalString(values, 'admin');
        const user = optionalString(values, 'user');
        const tenant = optionalString(values, 'tenant');
        const given = [admin, user, tenant].filter(Boolean).length;
        if (given !== 1) throw new UsageError('give exactly one of --admin, --user, --tenant');
        const tenants = (await ctx.view()).tenantIds;
        const userTenant = user ? (await (await ctx.accounts()).users.findById(user))?.tenant : undefined;
        if (user && !userTenant) throw new CliError(`no user ${user}`);
        const by: SessionIndex = admin ? { admin, tenants } : user ? { user, tenant: userTenant! } : { tenant: tenant! };
        const limit = Number(optionalString(values, 'limit') ?? 50);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit: a number from 1 to 1000');
        const list = await listSessions(await ctx.store(), by, limit);
        for (const s of list) {
          const state = isActive(s) ? 'active' : `ended(${s.endReason ?? 'expired'})`;
          ctx.out([s.sid, state, s.admin, s.user, s.tenant, new Date(s.startedAt).toISOString(), new Date(s.expiresAt).toISOString(), JSON.stringify(s.reason)].join('\t'));
        }
        if (list.length === 0) ctx.note('no sessions');
      },
    },
    end: {
      usage: '<sid>',
      summary: 'end an active impersonation session now (audited)',
      positionals: ['sid'],
      async run(ctx, _values, [sid]) {
        const store = await ctx.store();
        const session = await findSession(store, sid!);
        if (!session) throw new CliError(`no session ${sid}`);
        if (!isActive(session)) throw new CliError(`session ${sid} has already ended`);
        const ended = await endAndAudit(store, await ctx.audit(), sid!, 'ended_by_admin', 'admin', {}, 'cli');
        if (!ended) throw new CliError(`session ${sid} has already ended`);
        ctx.out(`ended ${sid}`);
      },
    },
  },
};
