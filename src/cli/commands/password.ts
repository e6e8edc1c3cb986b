import { adminByEmail, assertTenant, userByEmail } from '../checks.js';
import { type CommandGroup, optionalString, UsageError } from '../command.js';

/** Passwords are never arguments: argv is visible to every user of the machine (`ps`). */
export const password: CommandGroup = {
  name: 'password',
  summary: 'set passwords (read from stdin or prompted for)',
  actions: {
    set: {
      usage: '(--admin <email> | --user <email> --tenant T)',
      summary: "set an admin's or a user's password",
      options: { admin: { type: 'string' }, user: { type: 'string' }, tenant: { type: 'string' } },
      async run(ctx, values) {
        const adminEmail = optionalString(values, 'admin');
        const userEmail = optionalString(values, 'user');
        const tenantArg = optionalString(values, 'tenant');
        if ((adminEmail === undefined) === (userEmail === undefined)) throw new UsageError('give exactly one of --admin or --user');
        if (adminEmail !== undefined && tenantArg !== undefined) throw new UsageError('--tenant goes with --user, not --admin');
        if (userEmail !== undefined && tenantArg === undefined) throw new UsageError('missing --tenant');
        const accounts = await ctx.accounts();
        // Find the account first, so nobody types a password for an account that is not there.
        if (adminEmail !== undefined) {
          const admin = await adminByEmail(accounts.admins, adminEmail);
          await accounts.admins.setPassword(admin.id, await ctx.readPassword());
          return ctx.out(`password set for admin ${admin.email}`);
        }
        const tenant = assertTenant(await ctx.view(), tenantArg!);
        const user = await userByEmail(accounts.users, tenant, userEmail!);
        await accounts.users.setPassword(user.id, await ctx.readPassword());
        ctx.out(`password set for user ${user.email} in tenant ${tenant}`);
      },
    },
  },
};
