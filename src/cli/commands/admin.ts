import { type Admin, AccountError, assertAcceptableName } from '../../accounts/index.js';
import { issueEnrollment } from '../../enrollment/index.js';
import { changeAdminRoles, disableAdmin, enableAdmin } from '../../lifecycle/index.js';
import { adminByEmail, collectAll, parseRoles } from '../checks.js';
import { type CliContext, CliError, type CommandGroup, optionalString, requireString } from '../command.js';
import { formatDate, formatTable, printable } from '../format.js';
import { CLI_ACTOR, enrollmentDeps, lifecycleDeps } from '../lifecycle.js';

const row = (a: Admin) => [a.email, printable(a.name), a.roles.join(',') || '-', a.disabled ? 'disabled' : 'active', a.id, formatDate(a.createdAt)];

async function setDisabled(ctx: CliContext, email: string, disabled: boolean) {
  const { admins } = await ctx.accounts();
  const admin = await adminByEmail(admins, email);
  const deps = await lifecycleDeps(ctx);
  if (!disabled) {
    await enableAdmin(deps, admin.id, CLI_ACTOR);
    return ctx.out(`enabled admin ${admin.email} (${admin.id})`);
  }
  // PROTOCOL §10.2: sessions, console sign-ins and outstanding tickets end with the account.
  const { sessionsEnded } = await disableAdmin(deps, admin.id, CLI_ACTOR);
  ctx.out(`disabled admin ${admin.email} (${admin.id}); ${sessionsEnded} impersonation session(s) ended`);
}

/** Support staff accounts (PROTOCOL §1: admins are a model of their own). */
export const admin: CommandGroup = {
  name: 'admin',
  summary: 'support staff accounts',
  actions: {
    create: {
      usage: '--email E --name N [--roles a,b]',
      summary: 'create an admin; the password is read from stdin or prompted for',
      options: { email: { type: 'string' }, name: { type: 'string' }, roles: { type: 'string' } },
      async run(ctx, values) {
        const email = requireString(values, 'email');
        const name = assertAcceptableName(requireString(values, 'name'));
        const roles = parseRoles(await ctx.view(), optionalString(values, 'roles'));
        const { admins } = await ctx.accounts();
        // Refuse before asking for a password the operator would type for nothing.
        if (await admins.findByEmail(email)) throw new CliError(`an admin with email ${email.trim().toLowerCase()} already exists`);
        const password = await ctx.readPassword();
        try {
          const created = await admins.create({ email, name, roles, password });
          ctx.out(`created admin ${created.email} (${created.id})`);
        } catch (err) {
          if (err instanceof AccountError && err.code === 'email_taken') {
            throw new CliError(`an admin with email ${email.trim().toLowerCase()} already exists`);
          }
          throw err;
        }
      },
    },
    list: {
      usage: '[--query q] [--json]',
      summary: 'list admins, newest first',
      options: { query: { type: 'string' }, json: { type: 'boolean' } },
      async run(ctx, values) {
        const { admins } = await ctx.accounts();
        const query = optionalString(values, 'query');
        const all = await collectAll((offset) => admins.list({ query, offset, limit: 500 }));
        if (values.json) return ctx.out(JSON.stringify(all, null, 2));
        if (all.length === 0) return ctx.note('no admins');
        ctx.out(formatTable(['EMAIL', 'NAME', 'ROLES', 'STATUS', 'ID', 'CREATED'], all.map(row)));
      },
    },
    disable: {
      usage: '<email>',
      summary: "stop an admin: sign-ins, console sessions, impersonation sessions and tickets end",
      positionals: ['email'],
      run: (ctx, _values, [email]) => setDisabled(ctx, email!, true),
    },
    enable: {
      usage: '<email>',
      summary: 'let a disabled admin sign in again',
      positionals: ['email'],
      run: (ctx, _values, [email]) => setDisabled(ctx, email!, false),
    },
    roles: {
      usage: '<email> --roles a,b',
      summary: "replace an admin's roles; sessions the new roles do not cover end",
      options: { roles: { type: 'string' } },
      positionals: ['email'],
      async run(ctx, values, [email]) {
        const roles = parseRoles(await ctx.view(), requireString(values, 'roles'));
        const admin = await adminByEmail((await ctx.accounts()).admins, email!);
        const { account, sessionsEnded } = await changeAdminRoles(await lifecycleDeps(ctx), admin.id, roles, CLI_ACTOR);
        ctx.out(`admin ${account.email} now has roles ${account.roles.join(',')}; ${sessionsEnded} impersonation session(s) ended`);
      },
    },
    'enroll-link': {
      usage: '<email>',
      summary: "a one-time link that registers the admin's passkey (first one, or a lost one's replacement)",
      positionals: ['email'],
      async run(ctx, _values, [email]) {
        const admin = await adminByEmail((await ctx.accounts()).admins, email!);
        if (admin.disabled) throw new CliError(`admin ${admin.email} is disabled; enable the account first`);
        const { url, expiresAt } = await issueEnrollment(await enrollmentDeps(ctx), admin, { by: 'cli', via: 'cli' });
        ctx.out(url);
        ctx.note(`enrollment link for ${admin.email}: single use, expires ${expiresAt.toISOString()}; opening it asks for the admin's password. Issuing another voids this one.`);
      },
    },
  },
};
