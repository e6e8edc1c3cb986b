/**
 * `gatehouse role …` (PROTOCOL §5, §11): admin roles at runtime. `set` writes the whole role
 * (what it does not name goes back to its default); a role that stops covering a tenant
 * ends the live sessions it no longer allows.
 */
import type { CommandGroup } from '../command.js';
import { formatTable } from '../format.js';
import { CLI_TENANCY } from '../tenancy.js';

export const role: CommandGroup = {
  name: 'role',
  summary: 'admin roles: the tenants they cover and what else they allow',
  actions: {
    list: {
      usage: '[--json]',
      summary: 'every role',
      options: { json: { type: 'boolean' } },
      async run(ctx, values) {
        const roles = (await (await ctx.tenancy()).listRoles(CLI_TENANCY)).map((r) => r.record);
        if (values.json) return ctx.out(JSON.stringify(roles, null, 2));
        if (roles.length === 0) return ctx.note('no roles');
        const yes = (b: boolean) => (b ? 'yes' : '-');
        ctx.out(
          formatTable(
            ['ROLE', 'TENANTS', 'SENSITIVE', 'MANAGE ADMINS', 'MANAGE USERS', 'MANAGE TENANTS'],
            roles.map((r) => [r.name, r.tenants === '*' ? '*' : r.tenants.join(',') || '-', yes(r.sensitive), yes(r.manageAdmins), yes(r.manageUsers), yes(r.manageTenants)]),
          ),
        );
      },
    },
    set: {
      usage: '<name> [--tenants a,b|*] [--sensitive] [--manage-admins] [--manage-users] [--manage-tenants]',
      summary: 'create or replace a role',
      options: {
        tenants: { type: 'string' },
        sensitive: { type: 'boolean' },
        'manage-admins': { type: 'boolean' },
        'manage-users': { type: 'boolean' },
        'manage-tenants': { type: 'boolean' },
      },
      positionals: ['name'],
      async run(ctx, values, [name]) {
        const tenantsFlag = typeof values.tenants === 'string' ? values.tenants : '';
        const body = {
          tenants: tenantsFlag === '*' ? '*' : tenantsFlag.split(',').map((t) => t.trim()).filter(Boolean),
          sensitive: values.sensitive === true,
          manageAdmins: values['manage-admins'] === true,
          manageUsers: values['manage-users'] === true,
          manageTenants: values['manage-tenants'] === true,
        };
        const tenancy = await ctx.tenancy();
        const current = (await tenancy.refresh()).records.roles.get(name!);
        const { sessionsEnded } = await tenancy.putRole(CLI_TENANCY, name!, body, current ? { ifMatch: current.rev } : { create: true });
        ctx.out(`${current ? 'replaced' : 'created'} role ${name}; ${sessionsEnded} impersonation session(s) ended`);
      },
    },
    delete: {
      usage: '<name>',
      summary: 'delete a role: admins holding it lose what it allowed, and their sessions it covered end',
      positionals: ['name'],
      async run(ctx, _values, [name]) {
        const { sessionsEnded } = await (await ctx.tenancy()).deleteRole(CLI_TENANCY, name!);
        ctx.out(`deleted role ${name}; ${sessionsEnded} impersonation session(s) ended`);
      },
    },
  },
};
