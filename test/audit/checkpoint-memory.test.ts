/**
 * The checkpoint memory in `audit.stateDir` (src/audit/checkpoint-memory.ts): signers
 * sharing one directory never decide at once, a lock left by a dead signer is broken, a
 * planted note is refused, and a missing directory is refused rather than recreated.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { checkpointKey, checkpointMemory, directoryMemory } from '../../src/audit/index.js';
import { generateAuditKey } from '../../src/keys/index.js';

const key = checkpointKey(await generateAuditKey());
const ISSUER = 'https://id.example.com';
const dir = () => mkdtempSync(join(tmpdir(), 'gatehouse-memory-'));
const openAny = (_log: string, note: string) => ({ size: Number(note), root: Buffer.alloc(32) });

describe('the checkpoint memory in a state directory', () => {
  it('two signers on one directory (two instances) take turns, and each sees what the other kept', async () => {
    const shared = dir();
    const [a, b] = [directoryMemory(shared, openAny), directoryMemory(shared, openAny)];
    let inside = 0;
    const seen: (number | null)[] = [];
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? a : b).signing('acme', async (last, keep) => {
          inside++;
          assert.equal(inside, 1, 'never two signers at once');
          seen.push(last?.size ?? null);
          await sleep(5);
          await keep({ size: (last?.size ?? 0) + 1, root: Buffer.alloc(32), note: String((last?.size ?? 0) + 1) });
          inside--;
        }),
      ),
    );
    assert.deepEqual(seen, [null, ...Array.from({ length: 11 }, (_, i) => i + 1)], 'each signer read the one before it kept');
  });

  it('a lock left by a dead signer is broken once stale; a fresh one is waited for', async () => {
    const shared = dir();
    writeFileSync(join(shared, 'acme.lock'), 'a crashed signer\n');
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(join(shared, 'acme.lock'), old, old);
    assert.equal(await directoryMemory(shared, openAny).signing('acme', async () => 'signed'), 'signed');
  });

  it('a planted or edited note is refused, and so is a missing directory', async () => {
    const shared = dir();
    const memory = checkpointMemory({ stateDir: shared, issuer: ISSUER, key });
    writeFileSync(join(shared, 'acme.checkpoint'), `id.example.com/audit/acme\n99\n${Buffer.alloc(32).toString('base64')}\n\n— id.example.com/audit/acme AAAAAAAA\n`);
    await assert.rejects(memory.signing('acme', async () => 'signed'), (err: Error & { code?: string }) => err.code === 'memory_unavailable' && /is not one of ours/.test(err.message));
    const gone = checkpointMemory({ stateDir: join(shared, 'not-mounted'), issuer: ISSUER, key });
    await assert.rejects(gone.signing('acme', async () => 'signed'), /is not a directory that exists; no checkpoint is signed without it/);
  });
});
