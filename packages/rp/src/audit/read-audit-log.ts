/**
 * Access transparency for a tenant: read your tenant's audit log from Gatehouse with
 * your client's credentials (scope `audit:read`), and verify every entry and the log's
 * growth since the checkpoint you kept last time.
 */
import type { VerifiedCheckpoint } from './checkpoint.js';
import { AuditVerificationError } from './errors.js';
import { type AuditLogEntry, type AuditLogEvent, verifyAuditConsistency, verifyAuditEntries } from './verify-audit-log.js';

export interface ReadAuditLogOptions {
  /** Gatehouse's issuer URL. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Your tenant's id: the log to read. */
  tenant: string;
  /** The log's verifier key, pinned (as served once at `/audit/logs/<tenant>/vkey`). */
  verifierKey: string;
  /** First index to read (default 0) and how many (default 100, at most 1000). */
  start?: number;
  limit?: number;
  /** The checkpoint note you kept from your last read: the log must extend it. */
  since?: string;
  /** Gatehouse's token endpoint; default `<issuer>/token`. */
  tokenEndpoint?: string;
  fetch?: typeof fetch;
}

export interface AuditLogRead {
  /** Keep `checkpoint.note` for next time (`since`). */
  checkpoint: VerifiedCheckpoint;
  events: AuditLogEvent[];
  /** The first index still in Redis (older entries were archived). */
  first: number;
}

function refused(what: string, res: Response, body: unknown): AuditVerificationError {
  const error = (body as { error?: string })?.error ?? `HTTP ${res.status}`;
  return new AuditVerificationError('bad_response', `${what}: ${error}`);
}

async function json(res: Response): Promise<unknown> {
  return res.json().catch(() => null);
}

/**
 * @example
 * const read = await readAuditLog({ issuer, clientId, clientSecret, tenant: 'acme', verifierKey, since: saved });
 * saved = read.checkpoint.note; // every event in read.events is proven in it
 */
export async function readAuditLog(options: ReadAuditLogOptions): Promise<AuditLogRead> {
  const http = options.fetch ?? fetch;
  const issuer = options.issuer.replace(/\/$/, '');
  // RFC 6749 §2.3.1: form-encoded id and secret, which are ASCII, so btoa takes them.
  const basic = btoa(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`);
  const tokenRes = await http(options.tokenEndpoint ?? `${issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'audit:read' }),
  });
  const token = (await json(tokenRes)) as { access_token?: string };
  if (!tokenRes.ok || typeof token?.access_token !== 'string') throw refused('token request refused', tokenRes, token);
  const headers = { authorization: `Bearer ${token.access_token}`, accept: 'application/json' };
  const base = `${issuer}/audit/logs/${encodeURIComponent(options.tenant)}`;

  const query = new URLSearchParams({ start: String(options.start ?? 0), limit: String(options.limit ?? 100) });
  const entriesRes = await http(`${base}/entries?${query}`, { headers });
  const page = (await json(entriesRes)) as { checkpoint?: string; entries?: AuditLogEntry[]; first?: number };
  if (!entriesRes.ok || typeof page?.checkpoint !== 'string' || !Array.isArray(page.entries)) throw refused('reading the log refused', entriesRes, page);
  const { checkpoint, events } = await verifyAuditEntries({ verifierKey: options.verifierKey, checkpoint: page.checkpoint, entries: page.entries });

  if (options.since !== undefined) {
    const previousSize = Number(/^[^\n]*\n(\d+)\n/.exec(options.since)?.[1] ?? Number.NaN);
    const proofRes = await http(`${base}/consistency?from=${previousSize}`, { headers });
    const proof = (await json(proofRes)) as { checkpoint?: string; proof?: string[] };
    if (!proofRes.ok || proof?.checkpoint !== page.checkpoint || !Array.isArray(proof.proof)) {
      // A size larger than the log's is what a truncated or rolled-back log answers.
      if (proofRes.status === 400) throw new AuditVerificationError('inconsistent', `the log is smaller than the checkpoint of size ${previousSize} you held`);
      throw refused('the consistency proof was refused', proofRes, proof);
    }
    await verifyAuditConsistency({ verifierKey: options.verifierKey, previous: options.since, checkpoint: page.checkpoint, proof: proof.proof });
  }
  return { checkpoint, events, first: page.first ?? 0 };
}
