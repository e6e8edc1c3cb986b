import { AccountError, assertAcceptableName, type User } from '../../accounts/index.js';
import { assertTenant, collectAll, userByEmail } from '../checks.js';
import { type CliContext, CliError, type CommandGroup, optionalString, requireString } from '../command.js';
import { formatDate, formatTable, printable } from '../format.js';
import { disableUser, enableUser } from '../../lifecycle/index.js';
import { CLI_ACTOR, lifecycleDeps } from '../lifecycle.js';

const row = (u: User) => [u.email, printable(u.name), u.sensitive ? 'yes' : '-', u.disabled ? 'disabled' : 'active', u.id, formatDate(u.createdAt)];

async function setDisabled(ctx: CliContext, tenantArg: string, email: string, disabled: boolean) {
  const tenant = assertTenant(await ctx.view(), tenantArg);
  const { users } = await ctx.accounts();
  const user = await userByEmail(users, tenant, email);
  const deps = await lifecycleDeps(ctx);
  if (!disabled) {
    await enableUser(deps, user.id, CLI_ACTOR);
    return ctx.out(`enabled user ${user.email} in tenant ${tenant} (${user.id})`);
  }
  // PROTOCOL §10.2: sessions, /account sign-ins and outstanding tickets end with the account.
  const { sessionsEnded } = await disableUser(deps, user.id, CLI_ACTOR);
  ctx.out(`disabled user ${user.email} in tenant ${tenant} (${user.id}); ${sessionsEnded} impersonation session(s) ended`);
}

const tenantOption = { tenant: { type: 'string' } } as const;

/** Customer accounts; each belongs to one tenant (PROTOCOL §1). */
export const user: CommandGroup = {
  name: 'user',
  summary: 'customer accounts (one tenant each)',
  actions: {
    create: {
      usage: '--tenant T --email E --name N [--sensitive]',
      summary: 'create a user; the password is read from stdin or prompted for',
      options: { ...tenantOption, email: { type: 'string' }, name: { type: 'string' }, sensitive: { type: 'boolean' } },
      async run(ctx, values) {
        const tenant = assertTenant(await ctx.view(), requireString(values, 'tenant'));
        const email = requireString(values, 'email');
        const name = assertAcceptableName(requireString(values, 'name'));
        const { users } = await ctx.accounts();
        const taken = () => new CliError(`a user with email ${email.trim().toLowerCase()} already exists in tenant ${tenant}`);
        if (await users.findByEmail(tenant, email)) throw taken();
        const password = await ctx.readPassword();
        try {
          const created = await users.create({ tenant, email, name, password, sensitive: values.sensitive === true });
          ctx.out(`created user ${created.email} in tenant ${tenant} (${created.id})`);
        } catch (err) {
          if (err instanceof AccountError && err.code === 'email_taken') throw taken();
          throw err;
        }
      },
    },
    list: {
      usage: '--tenant T [--query q] [--json]',
      summary: "list a tenant's users, newest first",
      options: { ...tenantOption, query: { type: 'string' }, json: { type: 'boolean' } },
      async run(ctx, values) {
        const tenant = assertTenant(await ctx.view(), requireString(values, 'tenant'));
        const query = optionalString(values, 'query');
        const { users } = await ctx.accounts();
        const all = await collectAll((offset) => users.list(tenant, { query, offset, limit: 500 }));
        if (values.json) return ctx.out(JSON.stringify(all, null, 2));
        if (all.length === 0) return ctx.note(`no users in tenant ${tenant}`);
        ctx.out(formatTable(['EMAIL', 'NAME', 'SENSITIVE', 'STATUS', 'ID', 'CREATED'], all.map(row)));
      },
    },
    disable: {
      usage: '--tenant T <email>',
      summary: "stop a user: sign-ins, /account sessions, impersonations of the user and their tickets end",
      options: tenantOption,
      positionals: ['email'],
      run: (ctx, values, [email]) => setDisabled(ctx, requireString(values, 'tenant'), email!, true),
    },
    enable: {
      usage: '--tenant T <email>',
      summary: 'let a disabled user sign in again',
      options: tenantOption,
      positionals: ['email'],
      run: (ctx, values, [email]) => setDisabled(ctx, requireString(values, 'tenant'), email!, false),
    },
  },
};
