/**
 * Offline verification of exports and archives (export.ts): the checkpoint's signature
 * with the published key, then either the rebuilt root (unfiltered) or each entry's
 * inclusion proof (filtered). Sections of one log must follow each other: an archive's
 * end frontier is the next one's start. Streams: memory stays constant per section.
 */
import { type CheckpointKey, openCheckpoint } from './checkpoints.js';
import { AuditError } from './errors.js';
import type { AuditEvent } from './events.js';
import { leafOf } from './hash.js';
import { Frontier, frontierSubtrees, leafHash, verifyInclusion } from './merkle/index.js';
import type { Checkpoint } from './note/checkpoint.js';
import { EXPORT_FORMAT, type ExportHeader } from './export.js';

export interface ExportSection {
  log: string;
  kind: 'export' | 'archive';
  from: number;
  to: number;
  /** Entries checked. */
  entries: number;
  filtered: boolean;
}

export interface ExportVerification {
  ok: boolean;
  sections: ExportSection[];
  problem?: string;
}

interface Open {
  header: ExportHeader;
  checkpoint: Checkpoint;
  frontier: Frontier | null;
  section: ExportSection;
  given: Checkpoint[];
}

const fail = (message: string): never => {
  throw new AuditError('log_damaged', message);
};

/**
 * @param given checkpoints saved earlier (notes); each is checked where a section passes its size
 * @example
 * const result = await verifyExport(readLines(file), { key: checkpointKey(publishedJwk) });
 */
export async function verifyExport(lines: AsyncIterable<string>, options: { key: CheckpointKey; given?: readonly string[] }): Promise<ExportVerification> {
  const sections: ExportSection[] = [];
  const ends = new Map<string, { to: number; frontier: string[] }>();
  let open: Open | null = null;
  const close = () => {
    if (!open) return;
    const { header, checkpoint, frontier, section } = open;
    if (frontier) {
      if (frontier.size !== header.to) fail(`the ${header.log} section ends at ${frontier.size}, not at its checkpoint's ${header.to}: entries are missing`);
      if (!frontier.root().equals(checkpoint.root)) fail(`the ${header.log} entries ${header.from}–${header.to - 1} do not hash to the checkpoint's root: an entry was edited, reordered, added or removed`);
      ends.set(header.log, { to: header.to, frontier: frontier.hashes().map((h) => h.toString('base64')) });
    }
    sections.push(section);
    open = null;
  };
  try {
    let lineNumber = 0;
    for await (const raw of lines) {
      lineNumber++;
      if (raw.trim() === '') continue;
      let value: Record<string, unknown>;
      try {
        value = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        fail(`line ${lineNumber} is not JSON`);
      }
      if (value!.format !== undefined) {
        close();
        open = startSection(value! as unknown as ExportHeader, options, ends, lineNumber);
        continue;
      }
      if (!open) fail(`line ${lineNumber} comes before any header`);
      checkEntry(open!, value!, lineNumber);
    }
    close();
    if (sections.length === 0) fail('no export header found');
    return { ok: true, sections };
  } catch (error) {
    if (error instanceof AuditError) return { ok: false, sections, problem: error.message };
    throw error;
  }
}

function startSection(header: ExportHeader, options: { key: CheckpointKey; given?: readonly string[] }, ends: Map<string, { to: number; frontier: string[] }>, line: number): Open {
  if (header.format !== EXPORT_FORMAT || typeof header.log !== 'string' || typeof header.origin !== 'string') fail(`line ${line}: not a ${EXPORT_FORMAT} header`);
  const checkpoint = openCheckpoint(header.checkpoint, options.key, header.origin);
  if (checkpoint.size !== header.to || !Number.isSafeInteger(header.from) || header.from < 0 || header.from > header.to) {
    fail(`line ${line}: the ${header.log} section's range does not match its checkpoint`);
  }
  let frontier: Frontier | null = null;
  if (!header.filtered) {
    const hashes = (header.frontier ?? []).map((h) => Buffer.from(h, 'base64'));
    if (hashes.length !== frontierSubtrees(header.from).length || hashes.some((h) => h.length !== 32)) fail(`line ${line}: the frontier does not fit ${header.from} entries`);
    const previous = ends.get(header.log);
    if (previous && previous.to === header.from && previous.frontier.join() !== (header.frontier ?? []).join()) {
      fail(`line ${line}: the ${header.log} section does not continue the one before it`);
    }
    frontier = new Frontier(header.from, hashes);
  }
  const given = (options.given ?? [])
    .filter((note) => note.startsWith(`${header.origin}\n`))
    .map((note) => openCheckpoint(note, options.key, header.origin));
  for (const g of given) {
    if (g.size > header.to && !header.filtered) fail(`the given checkpoint of ${header.log} has ${g.size} entries, more than this section's ${header.to}`);
  }
  return { header, checkpoint, frontier, given, section: { log: header.log, kind: header.kind, from: header.from, to: header.to, entries: 0, filtered: header.filtered } };
}

function checkEntry(open: Open, value: Record<string, unknown>, line: number): void {
  const event = value.event as AuditEvent | undefined;
  if (!event || typeof event !== 'object' || !Number.isSafeInteger(event.index)) fail(`line ${line}: not an entry`);
  const hash = leafHash(leafOf(event!));
  if (open.frontier) {
    if (event!.index !== open.frontier.size) fail(`line ${line}: entry ${event!.index} where entry ${open.frontier.size} belongs: entries are missing or out of order`);
    open.frontier.push(hash);
    for (const g of open.given) {
      if (g.size === open.frontier.size && !open.frontier.root().equals(g.root)) fail(`the ${open.header.log} entries do not hash to the given checkpoint of size ${g.size}`);
    }
  } else {
    const proof = Array.isArray(value.proof) ? (value.proof as string[]).map((h) => Buffer.from(String(h), 'base64')) : [];
    if (!verifyInclusion(event!.index, open.checkpoint.size, hash, proof, open.checkpoint.root)) {
      fail(`line ${line}: entry ${event!.index} is not in the checkpoint (its proof does not verify)`);
    }
  }
  open.section.entries++;
}
