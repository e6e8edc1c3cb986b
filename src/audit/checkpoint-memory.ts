/**
 * The memory that keeps checkpoints from going back (PROTOCOL §6): the last checkpoint
 * Gatehouse signed for each log, consulted before every signature. It cannot live in Redis:
 * whoever rolls the log back rolls its kept checkpoints back with it, and an instance that
 * never signed the larger checkpoint would then sign the smaller, inconsistent log.
 *
 * `audit.stateDir` keeps it in a directory that every instance and the CLI reach (a shared
 * volume) and that outlives restarts: `<log>.checkpoint` is the last signed note itself (a
 * C2SP signed note, verified with the checkpoint key when read, so a planted or edited file
 * is refused, not believed). A signer holds `<log>.lock` (O_EXCL create) from reading the
 * memory to writing it back, so two signers never decide on the same memory (the Redis
 * lease serialises honest instances already, but whoever holds Redis holds the lease too).
 * The note is written to a temporary file, flushed and renamed over the old one (atomic on
 * POSIX file systems), and before the checkpoint is kept in Redis or announced.
 *
 * Without a directory (development, the memory store) the memory is this process's only.
 */
import { randomUUID } from 'node:crypto';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditError } from './errors.js';
import type { Hash } from './merkle/index.js';

export interface Remembered {
  size: number;
  root: Hash;
}

/** A signed checkpoint as the memory keeps it: its note and what the note says. */
export type SignedNote = Remembered & { note: string };

export interface CheckpointMemory {
  /** Where it lives, for messages and logs. */
  where: string;
  /**
   * Runs `work` for one log, alone among every signer sharing this memory, with the last
   * checkpoint signed for the log (null: none remembered). `work` calls `keep` with a new
   * checkpoint before the checkpoint goes anywhere else.
   */
  signing<T>(log: string, work: (last: Remembered | null, keep: (signed: SignedNote) => Promise<void>) => Promise<T>): Promise<T>;
}

/** A lock older than this was left by a signer that died: one round takes well under a second. */
const LOCK_STALE_MS = 120_000;
/** How long a signer waits for another's lock before giving up this round. */
const LOCK_WAIT_MS = 30_000;

/** This process's memory only: survives neither a restart nor another instance's signature. */
export function processMemory(): CheckpointMemory {
  const last = new Map<string, Remembered>();
  let queue: Promise<unknown> = Promise.resolve();
  return {
    where: 'this process',
    signing(log, work) {
      const run = queue.then(() => work(last.get(log) ?? null, async ({ size, root }) => void last.set(log, { size, root })));
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

const code = (error: unknown) => (error as NodeJS.ErrnoException)?.code;

/**
 * The memory in `dir` (`audit.stateDir`). `open` reads a kept note back: it verifies the
 * signature and the log's origin and throws when either is wrong.
 */
export function directoryMemory(dir: string, openNote: (log: string, note: string) => Remembered): CheckpointMemory {
  const unavailable = (what: string, error?: unknown) =>
    new AuditError('memory_unavailable', `the checkpoint memory (audit.stateDir ${dir}) ${what}${error ? `: ${(error as Error).message}` : ''}; no checkpoint is signed without it`);

  async function lock(log: string): Promise<() => Promise<void>> {
    const path = join(dir, `${log}.lock`);
    const token = `${process.pid} ${randomUUID()} ${new Date().toISOString()}\n`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const handle = await open(path, 'wx');
        await handle.writeFile(token);
        await handle.close();
        break;
      } catch (error) {
        if (code(error) !== 'EEXIST') throw unavailable('cannot be locked', error);
      }
      const held = await stat(path).catch(() => null);
      if (held && Date.now() - held.mtimeMs > LOCK_STALE_MS) {
        // Moved aside first: of two signers breaking it, only one rename succeeds.
        const aside = `${path}.${randomUUID()}.stale`;
        if (await rename(path, aside).then(() => true, () => false)) await rm(aside, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw unavailable(`is locked for log ${log} by another signer (${path})`);
      await sleep(50);
    }
    return async () => {
      // Only our own lock goes: one broken as stale and taken by another signer stays.
      if ((await readFile(path, 'utf8').catch(() => '')) === token) await rm(path, { force: true });
    };
  }

  async function read(log: string): Promise<Remembered | null> {
    let note: string;
    try {
      note = await readFile(join(dir, `${log}.checkpoint`), 'utf8');
    } catch (error) {
      if (code(error) === 'ENOENT') return null;
      throw unavailable('cannot be read', error);
    }
    return openNote(log, note);
  }

  async function write(log: string, note: string): Promise<void> {
    const path = join(dir, `${log}.checkpoint`);
    const temporary = `${path}.${randomUUID()}.tmp`;
    try {
      const handle = await open(temporary, 'wx');
      try {
        await handle.writeFile(note);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, path);
      // The rename itself, on disk before the checkpoint is kept anywhere else.
      const folder = await open(dir, 'r');
      await folder.sync().finally(() => folder.close());
    } catch (error) {
      await rm(temporary, { force: true });
      throw unavailable('cannot be written', error);
    }
  }

  return {
    where: dir,
    async signing(log, work) {
      const isDirectory = await stat(dir).then((s) => s.isDirectory(), () => false);
      // A missing directory is a lost memory (an unmounted volume): refused, never recreated.
      if (!isDirectory) throw unavailable('is not a directory that exists');
      const release = await lock(log);
      try {
        return await work(await read(log), ({ note }) => write(log, note));
      } finally {
        await release().catch(() => undefined);
      }
    },
  };
}
