/**
 * What the `audit` commands share: the checkpoint key (from the keys file, or a
 * published public key given with `--key`), the logs a `--log` names, and reading saved
 * checkpoints and exports.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { JWK } from 'jose';
import { auditLogNames, type CheckpointKey, checkpointKey } from '../audit/index.js';
import { loadSigningKeys } from '../keys/index.js';
import { CliError, type CliContext, type OptionValues, optionalString, UsageError } from './command.js';

/** A JWK, `{"jwk": …}` as `/audit/key` serves it, or a file holding either. */
function parseKeyOption(value: string): JWK {
  const text = value.trim().startsWith('{') ? value : existsSync(value) ? readFileSync(value, 'utf8') : '';
  try {
    const parsed = JSON.parse(text) as { jwk?: JWK } & JWK;
    return parsed.jwk ?? parsed;
  } catch {
    throw new UsageError('--key: give the public key as published at /audit/key (JSON or a file holding it)');
  }
}

/** The checkpoint key: `--key` (public: verify only) or the Ed25519 key of GATEHOUSE_KEYS. */
export async function auditKey(ctx: CliContext, values: OptionValues): Promise<CheckpointKey> {
  const given = optionalString(values, 'key');
  if (given !== undefined) {
    try {
      return checkpointKey(parseKeyOption(given));
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`--key: ${(error as Error).message}`);
    }
  }
  const config = ctx.config();
  const { auditKey } = await loadSigningKeys({ keysSource: config.keysSource, production: config.production });
  if (!auditKey) throw new CliError('GATEHOUSE_KEYS has no Ed25519 key for audit checkpoints (add one: gatehouse keys generate --audit)');
  return checkpointKey(auditKey);
}

/** The logs of this deployment, or the one `--log` names. */
export async function chosenLogs(ctx: CliContext, values: OptionValues): Promise<string[]> {
  // Reading writes nothing: a store never configured has the logs of the tenants the file declares.
  const view = await ctx.view({ seed: false });
  const all = auditLogNames(view.version > 0 ? view.tenantIds : ctx.config().declared.tenants.map((t) => t.id));
  const log = optionalString(values, 'log') ?? optionalString(values, 'tenant');
  if (log === undefined) return all;
  if (!all.includes(log)) throw new UsageError(`--log: no log "${log}" (logs: ${all.join(', ')})`);
  return [log];
}

/** Signed notes one after another, as `audit checkpoint` prints them. */
export function splitNotes(text: string): string[] {
  const notes: string[] = [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let current: string[] = [];
  let inSignatures = false;
  for (const line of lines) {
    if (inSignatures && !line.startsWith('\u2014 ')) {
      notes.push(`${current.join('\n')}\n`);
      current = [];
      inSignatures = false;
    }
    if (!inSignatures && current.length === 0 && line === '') continue;
    if (!inSignatures && line === '') inSignatures = true;
    current.push(line);
  }
  if (inSignatures) notes.push(`${current.join('\n')}\n`);
  return notes;
}

export function readNotes(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const notes = splitNotes(text);
  if (notes.length === 0) throw new CliError(`${path} holds no signed checkpoint`);
  return notes;
}

/** The lines of several files, one after another, streamed. */
export async function* linesOf(paths: string[]): AsyncGenerator<string> {
  for (const path of paths) {
    if (!existsSync(path)) throw new CliError(`cannot read ${path} (ENOENT)`);
    yield* createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  }
}

export function date(values: OptionValues, name: string): Date | undefined {
  const raw = optionalString(values, name);
  if (raw === undefined) return undefined;
  const d = new Date(raw);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${name}: not a date (use ISO 8601, e.g. 2026-11-21T09:00:00Z)`);
  return d;
}
