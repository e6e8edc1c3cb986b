/**
 * `gatehouse tenant …` (PROTOCOL §11): tenants at runtime, through the same service as the
 * management API, acting as `cli` (audited; every running instance follows within 1 s).
 */
import type { OptionValues } from '../command.js';
import { type CliContext, CliError, type CommandGroup, optionalString, requireString, UsageError } from '../command.js';
import { formatDate, formatTable, printable } from '../format.js';
import { tenantResource } from '../../tenancy/present.js';
import { CLI_TENANCY } from '../tenancy.js';

/** Flags that set tenant settings, by the settings' names. */
const settingOptions = {
  name: { type: 'string' },
  consent: { type: 'string' },
  approvers: { type: 'string' },
  'require-second-admin': { type: 'string' },
  'on-replay': { type: 'string' },
  'ticket-delivery': { type: 'string' },
  'redeem-path': { type: 'string' },
  'max-seconds': { type: 'string' },
  'default-seconds': { type: 'string' },
  scopes: { type: 'string' },
  json: { type: 'string' },
} as const;
const SETTINGS_USAGE =
  '[--name N] [--consent none|opt-in|access-code|approval] [--approvers a@x,b@x] [--require-second-admin true|false] [--on-replay revoke|audit] [--ticket-delivery form_post|query] [--redeem-path P] [--max-seconds S] [--default-seconds S] [--scopes a,b] [--json \'{…}\']';

const list = (v: string) => (v === '' ? [] : v.split(',').map((x) => x.trim()).filter(Boolean));
function bool(v: string, flag: string) {
  if (v !== 'true' && v !== 'false') throw new UsageError(`--${flag} is true or false`);
  return v === 'true';
}
function seconds(v: string, flag: string) {
  if (!/^\d{1,6}$/.test(v)) throw new UsageError(`--${flag} is a number of seconds`);
  return Number(v);
}

/** The settings the flags name, as a JSON merge patch (`--json` first, flags over it). */
export function settingsFromFlags(values: OptionValues): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  const json = optionalString(values, 'json');
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new UsageError('--json is a JSON object');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError('--json is a JSON object');
    Object.assign(patch, parsed);
  }
  const s = (flag: string) => optionalString(values, flag);
  if (s('name') !== undefined) patch.name = s('name');
  if (s('consent') !== undefined) patch.consent = s('consent');
  if (s('approvers') !== undefined) patch.approvers = list(s('approvers')!);
  if (s('require-second-admin') !== undefined) patch.requireSecondAdmin = bool(s('require-second-admin')!, 'require-second-admin');
  if (s('on-replay') !== undefined) patch.onReplay = s('on-replay');
  if (s('ticket-delivery') !== undefined) patch.ticketDelivery = s('ticket-delivery');
  if (s('redeem-path') !== undefined) patch.redeemPath = s('redeem-path');
  const impersonation: Record<string, unknown> = { ...((patch.impersonation as object | undefined) ?? {}) };
  if (s('max-seconds') !== undefined) impersonation.maxSeconds = seconds(s('max-seconds')!, 'max-seconds');
  if (s('default-seconds') !== undefined) impersonation.defaultSeconds = seconds(s('default-seconds')!, 'default-seconds');
  if (s('scopes') !== undefined) impersonation.scopes = list(s('scopes')!);
  if (Object.keys(impersonation).length) patch.impersonation = impersonation;
  return patch;
}

async function show(ctx: CliContext, id: string, json: boolean) {
  const tenant = await (await ctx.tenancy()).getTenant(CLI_TENANCY, id);
  const shown = tenantResource(tenant);
  if (json) return ctx.out(JSON.stringify({ ...shown, etag: tenant.rev }, null, 2));
  const { domains, impersonation, ...rest } = shown;
  for (const [key, value] of Object.entries(rest)) ctx.out(`${key}: ${printable(Array.isArray(value) ? value.join(', ') || '-' : String(value))}`);
  ctx.out(`impersonation: max ${impersonation.maxSeconds} s, default ${impersonation.defaultSeconds} s, scopes ${impersonation.scopes.join(' ')}`);
  for (const d of domains) ctx.out(`domain: ${d.origin} ${d.status}${'verification' in d && d.verification ? ` (token ${d.verification.http.body})` : ''}`);
  ctx.out(`etag: ${tenant.rev}`);
}

export const tenant: CommandGroup = {
  name: 'tenant',
  summary: 'customer organisations at runtime: created, changed and disabled without a restart',
  actions: {
    create: {
      usage: `<id> --name N [--domain ORIGIN]... ${SETTINGS_USAGE}`,
      summary: 'create a tenant; its domains start pending until verified (gatehouse domain verify)',
      options: { ...settingOptions, domain: { type: 'string', multiple: true } },
      positionals: ['id'],
      async run(ctx, values, [id]) {
        requireString(values, 'name');
        const domains = (values.domain as string[] | undefined) ?? [];
        const created = await (await ctx.tenancy()).createTenant(CLI_TENANCY, { ...settingsFromFlags(values), id, domains });
        ctx.out(`created tenant ${created.record.id}${domains.length ? `; ${domains.length} domain(s) pending verification` : ''}`);
      },
    },
    show: {
      usage: '<id> [--json]',
      summary: "a tenant's settings, domains and ETag",
      options: { json: { type: 'boolean' } },
      positionals: ['id'],
      run: (ctx, values, [id]) => show(ctx, id!, values.json === true),
    },
    list: {
      usage: '[--json]',
      summary: 'every tenant, by id',
      options: { json: { type: 'boolean' } },
      async run(ctx, values) {
        const tenancy = await ctx.tenancy();
        const all = [];
        for (let after: string | undefined; ; ) {
          const page = await tenancy.listTenants(CLI_TENANCY, { ...(after ? { after } : {}), limit: 200 });
          all.push(...page.items);
          if (!page.next) break;
          after = page.next;
        }
        if (values.json) return ctx.out(JSON.stringify(all.map(tenantResource), null, 2));
        if (all.length === 0) return ctx.note('no tenants');
        const rows = all.map(({ record: t }) => [t.id, printable(t.name), t.disabled ? 'disabled' : 'active', t.consent, t.domains.map((d) => `${d.origin}${d.status === 'pending' ? ' (pending)' : ''}`).join(' ') || '-', formatDate(t.updatedAt)]);
        ctx.out(formatTable(['ID', 'NAME', 'STATUS', 'CONSENT', 'DOMAINS', 'UPDATED'], rows));
      },
    },
    update: {
      usage: `<id> ${SETTINGS_USAGE} [--if-match ETAG]`,
      summary: "change a tenant's settings (what protects its users is also written to its own log)",
      options: { ...settingOptions, 'if-match': { type: 'string' } },
      positionals: ['id'],
      async run(ctx, values, [id]) {
        const patch = settingsFromFlags(values);
        if (Object.keys(patch).length === 0) throw new UsageError('nothing to change: give at least one setting');
        const tenancy = await ctx.tenancy();
        const rev = Number(optionalString(values, 'if-match') ?? (await tenancy.getTenant(CLI_TENANCY, id!)).rev);
        if (!Number.isInteger(rev)) throw new UsageError('--if-match is the ETag "tenant show" printed');
        const updated = await tenancy.updateTenant(CLI_TENANCY, id!, patch, rev);
        ctx.out(`updated tenant ${id} (etag ${updated.rev})`);
      },
    },
    disable: {
      usage: '<id>',
      summary: 'stop a tenant: its clients, domains and live impersonation sessions end at once',
      positionals: ['id'],
      async run(ctx, _values, [id]) {
        const { sessionsEnded } = await (await ctx.tenancy()).disableTenant(CLI_TENANCY, id!);
        ctx.out(`disabled tenant ${id}; ${sessionsEnded} impersonation session(s) ended`);
      },
    },
    enable: {
      usage: '<id>',
      summary: 'let a disabled tenant work again',
      positionals: ['id'],
      async run(ctx, _values, [id]) {
        const { tenant } = await (await ctx.tenancy()).enableTenant(CLI_TENANCY, id!);
        if (tenant.record.disabled) throw new CliError(`tenant ${id} is still disabled`);
        ctx.out(`enabled tenant ${id}`);
      },
    },
  },
};
