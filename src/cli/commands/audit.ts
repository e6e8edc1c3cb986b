import {
  archiveLog,
  createCheckpointer,
  exportLog,
  holdingLease,
  isAuditEventType,
  latestCheckpoint,
  logOrigin,
  type SignedCheckpoint,
  verifyExport,
  verifyLog,
} from '../../audit/index.js';
import { auditKey, chosenLogs, date, linesOf, readNotes } from '../audit-support.js';
import { CliError, type CommandGroup, optionalString, UsageError } from '../command.js';

const multiple = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : []);

/** The audit trail (PROTOCOL §6): signed checkpoints, verification, export, archive. */
export const audit: CommandGroup = {
  name: 'audit',
  summary: 'the audit trail: one signed transparency log per tenant, and the system log',
  actions: {
    checkpoint: {
      usage: '[--log L] [--fresh]',
      summary: 'print the newest signed checkpoint of each log (--fresh: sign one now); keep it to verify with later',
      options: { log: { type: 'string' }, fresh: { type: 'boolean' } },
      async run(ctx, values) {
        const logs = (await chosenLogs(ctx, values));
        const store = await ctx.store();
        let checkpoints: SignedCheckpoint[];
        if (values.fresh) {
          const key = await auditKey(ctx, values);
          checkpoints = await createCheckpointer({ store, issuer: ctx.config().issuer, key, logs: () => logs, intervalSeconds: 60, stateDir: ctx.config().audit.stateDir }).checkpointNow(logs);
          if (checkpoints.length < logs.length) throw new CliError('some logs could not be checkpointed: run "gatehouse audit verify"');
        } else {
          checkpoints = [];
          for (const log of logs) {
            const latest = await latestCheckpoint(store, log);
            if (latest) checkpoints.push(latest);
            else ctx.note(`the ${log} log has no checkpoint yet`);
          }
          if (checkpoints.length === 0) throw new CliError('no checkpoint yet: run "gatehouse audit checkpoint --fresh"');
        }
        for (const checkpoint of checkpoints) ctx.out(checkpoint.note.trimEnd());
      },
    },
    verify: {
      usage: '[--log L] [--checkpoint FILE] [--file EXPORT ...] [--key KEY]',
      summary: 'check every entry against the signed checkpoints (and those saved in FILE); --file: an export or archives, offline',
      options: { log: { type: 'string' }, checkpoint: { type: 'string' }, file: { type: 'string', multiple: true }, key: { type: 'string' } },
      async run(ctx, values) {
        const key = await auditKey(ctx, values);
        const saved = optionalString(values, 'checkpoint');
        const given = saved === undefined ? [] : readNotes(saved);
        const files = multiple(values.file);
        if (files.length > 0) {
          const result = await verifyExport(linesOf(files), { key, given });
          for (const s of result.sections) ctx.out(`${s.kind} of ${s.log} (${s.from}–${s.to}): ${s.entries} entries ok${s.filtered ? ', each with its inclusion proof' : ''}`);
          if (!result.ok) throw new CliError(`audit ${files.length > 1 ? 'files' : 'file'} not verified: ${result.problem}`);
          return;
        }
        const store = await ctx.store();
        const failures: string[] = [];
        for (const log of (await chosenLogs(ctx, values))) {
          const result = await verifyLog(store, { log, origin: logOrigin(ctx.config().issuer, log), key, given });
          if (!result.ok) {
            failures.push(`audit log ${log}: ${result.problem!.kind}: ${result.problem!.message}`);
            continue;
          }
          const latest = result.latest ? `, newest checkpoint ${result.latest.size} (root ${result.latest.root})` : ', no checkpoint yet';
          const pending = result.size - (result.latest?.size ?? 0);
          ctx.out(`audit log ${log} ok: ${result.size} entries, ${result.checkpoints} checkpoints matched${latest}${pending > 0 ? `; ${pending} newer entries not yet checkpointed` : ''}`);
        }
        if (failures.length > 0) {
          for (const failure of failures.slice(1)) ctx.note(failure);
          throw new CliError(failures[0]!);
        }
      },
    },
    export: {
      usage: '[--log L] [--fresh] [--from T] [--to T] [--admin ID] [--user ID] [--type TYPE]',
      summary: 'print NDJSON that verifies offline: each log up to its newest checkpoint (filtered: each entry with its proof)',
      options: {
        log: { type: 'string' },
        tenant: { type: 'string' },
        fresh: { type: 'boolean' },
        from: { type: 'string' },
        to: { type: 'string' },
        admin: { type: 'string' },
        user: { type: 'string' },
        type: { type: 'string' },
      },
      async run(ctx, values) {
        const type = optionalString(values, 'type');
        if (type !== undefined && !isAuditEventType(type)) throw new UsageError(`--type: unknown event type "${type}"`);
        const filter = { from: date(values, 'from'), to: date(values, 'to'), admin: optionalString(values, 'admin'), user: optionalString(values, 'user'), ...(type ? { type } : {}) };
        const logs = (await chosenLogs(ctx, values));
        const store = await ctx.store();
        if (values.fresh) {
          const key = await auditKey(ctx, values);
          await createCheckpointer({ store, issuer: ctx.config().issuer, key, logs: () => logs, intervalSeconds: 60, stateDir: ctx.config().audit.stateDir }).checkpointNow(logs);
        }
        for (const log of logs) {
          const checkpoint = await latestCheckpoint(store, log);
          if (!checkpoint) {
            ctx.note(`the ${log} log has no checkpoint yet: not exported (use --fresh)`);
            continue;
          }
          for await (const line of exportLog(store, { log, filter, checkpoint })) ctx.out(line);
        }
      },
    },
    archive: {
      usage: '[--dir DIR] [--log L] [--older-than-days N]',
      summary: 'move entries older than audit.retentionDays into NDJSON archives (verify them with "audit verify --file"), then out of Redis',
      options: { dir: { type: 'string' }, log: { type: 'string' }, 'older-than-days': { type: 'string' } },
      async run(ctx, values) {
        const config = ctx.config();
        const dir = optionalString(values, 'dir') ?? config.audit.archiveDir;
        if (!dir) throw new UsageError('--dir: where to write archives (or set audit.archiveDir)');
        const daysText = optionalString(values, 'older-than-days');
        const days = daysText === undefined ? config.audit.retentionDays : Number(daysText);
        if (!Number.isInteger(days) || days < 0) throw new UsageError('--older-than-days: a whole number of days');
        const cutoff = new Date(Date.now() - days * 86_400_000);
        const key = await auditKey(ctx, values);
        const store = await ctx.store();
        const logs = (await chosenLogs(ctx, values));
        const done = await holdingLease(store, 30_000, async () => {
          for (const log of logs) {
            const result = await archiveLog(store, { log, issuer: config.issuer, key, dir, cutoff });
            if (result) ctx.out(`archived ${log} entries ${result.from}–${result.to - 1} to ${result.file}`);
          }
          return true;
        });
        if (!done) throw new CliError('another instance is checkpointing or archiving; try again');
      },
    },
  },
};
