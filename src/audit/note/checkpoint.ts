/**
 * C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the signed statement "the log
 * <origin> has <size> entries and this RFC 9162 root hash", as the body of a signed note:
 *
 *   localhost:3000/audit/acme
 *   1018
 *   <base64 root hash>
 */
import { AuditError } from '../errors.js';

export interface Checkpoint {
  /** Which log: `<issuer host and path>/audit/<log>`, unique to the log. */
  origin: string;
  size: number;
  /** RFC 9162 root hash of the first `size` entries. */
  root: Buffer;
}

export function formatCheckpoint(checkpoint: Checkpoint): string {
  return `${checkpoint.origin}\n${checkpoint.size}\n${checkpoint.root.toString('base64')}\n`;
}

/** Parses a checkpoint body (the text of its note). Extension lines are refused: we write none. */
export function parseCheckpoint(text: string): Checkpoint {
  const match = /^([^\n]+)\n(0|[1-9][0-9]{0,15})\n([A-Za-z0-9+/]{43}=)\n$/.exec(text);
  const size = match ? Number(match[2]) : Number.NaN;
  if (!match || !Number.isSafeInteger(size)) throw new AuditError('checkpoint_malformed', 'not a checkpoint (origin, size, root hash)');
  return { origin: match[1]!, size, root: Buffer.from(match[3]!, 'base64') };
}
