/**
 * Retention (`audit.retentionDays`): a log's old entries leave Redis only after an
 * archive of them was written and synced — a section in the export format (export.ts)
 * ending at a kept checkpoint, which with its signed checkpoint verifies offline, and
 * whose end frontier is the next archive's start. What stays in Redis is the frontier of
 * the cut (a few hashes), so proofs for the remaining entries keep working.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { keys as storeKeys } from '../store/keys.js';
import type { Store } from '../store/types.js';
import { type CheckpointKey, keptCheckpoints, logOrigin, openCheckpoint, type SignedCheckpoint } from './checkpoints.js';
import { AuditError } from './errors.js';
import { EXPORT_FORMAT, type ExportHeader } from './export.js';
import { eventOf } from './list.js';
import { frontierSubtrees, leafHash, storedHashCount, storedHashIndex } from './merkle/index.js';
import { storedFrontier } from './tree.js';

const READ_PAGE = 1_000;

export interface ArchiveResult {
  log: string;
  file: string;
  from: number;
  to: number;
}

/** The newest kept checkpoint issued before `cutoff`: every entry it covers is older. */
async function cutAt(store: Store, log: string, after: number, cutoff: Date): Promise<SignedCheckpoint | null> {
  let cut: SignedCheckpoint | null = null;
  for await (const checkpoint of keptCheckpoints(store, log, after + 1)) {
    if (Date.parse(checkpoint.time) > cutoff.getTime()) break;
    cut = checkpoint;
  }
  return cut;
}

/**
 * Archives the entries of `log` that a checkpoint issued before `cutoff` covers, into
 * `dir/<log>-<from>-<to>.ndjson`, then removes them from Redis. Answers null when there
 * is nothing to archive. Refuses (and removes nothing) when the entries do not rebuild
 * the checkpoint's root.
 */
export async function archiveLog(store: Store, options: { log: string; issuer: string; key: CheckpointKey; dir: string; cutoff: Date }): Promise<ArchiveResult | null> {
  const { log, dir } = options;
  const keys = storeKeys.auditLog(log);
  const state = await store.tlogState(keys);
  const cut = await cutAt(store, log, state.trimmed, options.cutoff);
  if (!cut || cut.size <= state.trimmed) return null;
  const origin = logOrigin(options.issuer, log);
  const checkpoint = openCheckpoint(cut.note, options.key, origin);
  const frontier = await storedFrontier(store, keys, state.trimmed);
  const header: ExportHeader = {
    format: EXPORT_FORMAT,
    kind: 'archive',
    log,
    origin,
    from: state.trimmed,
    to: checkpoint.size,
    checkpoint: cut.note,
    frontier: frontier.hashes().map((h) => h.toString('base64')),
    filtered: false,
  };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const pad = (n: number) => String(n).padStart(12, '0');
  const file = join(dir, `${log}-${pad(header.from)}-${pad(header.to)}.ndjson`);
  const temp = `${file}.tmp`;
  const out = createWriteStream(temp, { mode: 0o600 });
  const write = (line: string) => (out.write(`${line}\n`) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', r)));
  try {
    await write(JSON.stringify(header));
    for (let position = header.from; position < header.to; ) {
      const page = await store.tlogRead(keys, position, Math.min(READ_PAGE, header.to - position));
      if (page[0]?.index !== position) throw new AuditError('log_damaged', `entry ${position} of the ${log} log is missing`);
      for (const { index, leaf } of page) {
        const event = eventOf(log, index, leaf);
        if (index !== position || !event) throw new AuditError('log_damaged', `entry ${position} of the ${log} log is missing or unreadable`);
        frontier.push(leafHash(leaf));
        await write(JSON.stringify({ event }));
        position++;
      }
    }
    out.end();
    await finished(out);
    if (!frontier.root().equals(checkpoint.root)) {
      throw new AuditError('log_damaged', `the ${log} log's entries ${header.from}–${header.to - 1} do not rebuild its checkpoint: not archived`);
    }
    // Synced before anything leaves Redis: a crash now leaves both copies, never neither.
    const handle = await open(temp, 'r');
    await handle.sync();
    await handle.close();
    await rename(temp, file);
    const directory = await open(dir, 'r');
    await directory.sync();
    await directory.close();
  } catch (error) {
    out.destroy();
    await rm(temp, { force: true });
    throw error;
  }
  const subtrees = frontierSubtrees(header.to);
  const pins = new Map(frontier.hashes().map((hash, i) => [storedHashIndex(subtrees[i]!.level, subtrees[i]!.k), hash]));
  await store.tlogTrim(keys, header.to, storedHashCount(header.to), pins);
  return { log, file, from: header.from, to: header.to };
}
