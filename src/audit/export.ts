/**
 * Exports and archives of a log: NDJSON that verifies offline, with no access to
 * Gatehouse or Redis. One section per log: a header line, then one line per entry.
 *
 *   {"format":"gatehouse-audit/1","kind":"export","log":"acme","origin":"…/audit/acme",
 *    "from":0,"to":1018,"checkpoint":"<signed note of size 1018>","frontier":[],"filtered":false}
 *   {"event":{…,"log":"acme","index":0}}
 *   …
 *
 * Unfiltered, the entries are every one in [from, to) and, with `frontier` (the hashes of
 * the part before `from`, which an archive left behind), they rebuild the checkpoint's
 * root. Filtered (by time, admin, user or type), each entry carries its inclusion proof
 * in the checkpoint instead.
 */
import { keys as storeKeys } from '../store/keys.js';
import type { Store } from '../store/types.js';
import { latestCheckpoint, type SignedCheckpoint } from './checkpoints.js';
import { AuditError } from './errors.js';
import type { AuditEvent, AuditEventType } from './events.js';
import { eventOf } from './list.js';
import { inclusionProofs, storedFrontier } from './tree.js';

export const EXPORT_FORMAT = 'gatehouse-audit/1';

export interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  kind: 'export' | 'archive';
  log: string;
  origin: string;
  /** First index in this section. */
  from: number;
  /** The checkpoint's size: entries up to (not including) this index. */
  to: number;
  checkpoint: string;
  /** Base64 frontier hashes of the first `from` entries (unfiltered sections). */
  frontier?: string[];
  filtered: boolean;
}

export interface ExportFilter {
  from?: Date;
  to?: Date;
  admin?: string;
  user?: string;
  type?: AuditEventType;
}

const READ_PAGE = 1_000;

const isFiltered = (f: ExportFilter) => Object.values(f).some((v) => v !== undefined);

/**
 * The lines (without newlines) of one log's export, up to its newest kept checkpoint.
 * @example
 * for await (const line of exportLog(store, { log: 'acme' })) out.write(`${line}\n`);
 */
export async function* exportLog(store: Store, options: { log: string; filter?: ExportFilter; checkpoint?: SignedCheckpoint }): AsyncGenerator<string> {
  const { log, filter = {} } = options;
  const keys = storeKeys.auditLog(log);
  const checkpoint = options.checkpoint ?? (await latestCheckpoint(store, log));
  if (!checkpoint) throw new AuditError('out_of_range', `the ${log} log has no checkpoint yet (run "gatehouse audit checkpoint --fresh")`);
  const { trimmed } = await store.tlogState(keys);
  const filtered = isFiltered(filter);
  const header: ExportHeader = {
    format: EXPORT_FORMAT,
    kind: 'export',
    log,
    origin: checkpoint.origin,
    from: trimmed,
    to: checkpoint.size,
    checkpoint: checkpoint.note,
    ...(filtered ? {} : { frontier: (await storedFrontier(store, keys, trimmed)).hashes().map((h) => h.toString('base64')) }),
    filtered,
  };
  yield JSON.stringify(header);
  const from = filter.from?.getTime();
  const to = filter.to?.getTime();
  const matches = (event: AuditEvent) => {
    const time = Date.parse(event.time);
    return (
      (from === undefined || time >= from) &&
      (to === undefined || time <= to) &&
      (!filter.admin || event.admin === filter.admin) &&
      (!filter.user || event.user === filter.user) &&
      (!filter.type || event.type === filter.type)
    );
  };
  for (let position = trimmed; position < checkpoint.size; ) {
    const page = await store.tlogRead(keys, position, Math.min(READ_PAGE, checkpoint.size - position));
    if (page[0]?.index !== position) throw new AuditError('log_damaged', `entry ${position} of the ${log} log is missing`);
    const events: AuditEvent[] = [];
    for (const { index, leaf } of page) {
      const event = eventOf(log, index, leaf);
      if (index !== position || !event) throw new AuditError('log_damaged', `entry ${position} of the ${log} log is missing or unreadable`);
      position++;
      if (!filtered) yield JSON.stringify({ event });
      else if (matches(event)) events.push(event);
    }
    // Filtered: each entry with its inclusion proof, a page's proofs read at once.
    const proofs = await inclusionProofs(store, keys, events.map((e) => e.index), checkpoint.size);
    for (const [i, event] of events.entries()) yield JSON.stringify({ event, proof: proofs[i]!.map((h) => h.toString('base64')) });
  }
}
