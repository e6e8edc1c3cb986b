import { createAuditLog, type AuditFilter } from '../../audit/index.js';
import { isAuditEventType } from '../../audit/events.js';
import { CliError, type CommandGroup, type OptionValues, optionalString, UsageError } from '../command.js';

function date(values: OptionValues, name: string): Date | undefined {
  const raw = optionalString(values, name);
  if (raw === undefined) return undefined;
  const d = new Date(raw);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${name}: not a date (use ISO 8601, e.g. 2026-11-21T09:00:00Z)`);
  return d;
}

/** The audit trail (PROTOCOL §6): verify the hash chain, export NDJSON. */
export const audit: CommandGroup = {
  name: 'audit',
  summary: 'the hash-chained audit trail',
  actions: {
    verify: {
      usage: '',
      summary: 'walk the chain; exit 1 naming the first edited or deleted event',
      async run(ctx) {
        const result = await createAuditLog(await ctx.store()).verify();
        if (!result.ok) {
          const p = result.problem!;
          const what = { edited: 'was edited', broken_link: 'does not follow the event before it (an event was deleted or replaced)', head_mismatch: 'is not the last event written (events were deleted from the end)' }[p.kind];
          throw new CliError(`audit chain broken at event #${p.index} (${p.id}): it ${what}`);
        }
        ctx.out(`audit chain ok: ${result.count} events${result.head ? `, head ${result.head}` : ''}`);
      },
    },
    export: {
      usage: '[--from T] [--to T] [--tenant ID] [--admin ID] [--user ID] [--type TYPE]',
      summary: 'print events as NDJSON, oldest first',
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        tenant: { type: 'string' },
        admin: { type: 'string' },
        user: { type: 'string' },
        type: { type: 'string' },
      },
      async run(ctx, values) {
        const type = optionalString(values, 'type');
        if (type !== undefined && !isAuditEventType(type)) throw new UsageError(`--type: unknown event type "${type}"`);
        const filter: AuditFilter = {
          from: date(values, 'from'),
          to: date(values, 'to'),
          tenant: optionalString(values, 'tenant'),
          admin: optionalString(values, 'admin'),
          user: optionalString(values, 'user'),
          ...(type ? { type } : {}),
        };
        for await (const line of createAuditLog(await ctx.store()).exportNdjson(filter)) ctx.out(line.trimEnd());
      },
    },
  },
};
