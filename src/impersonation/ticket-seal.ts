/**
 * A ticket carries its own record, sealed (PROTOCOL §3.2): base64url of a version byte,
 * 256 bits from the CSPRNG, and the record encrypted and authenticated with AES-256-GCM
 * under a key derived (HKDF-SHA256) from the deployment's cookie keys. Every instance opens
 * it without a store read, so a redemption knows what it redeems before its one round trip
 * (the claim, the session and the audit leaf in one script) and signs the token meanwhile.
 *
 * Sealing is confidentiality: the tenant app that carries the ticket reads none of it (the
 * admin's email, for one). The one-time state stays in the store under the SHA-256 of the
 * whole ticket, so a ticket with a changed or forged seal finds no state, even for someone
 * who had the key; the first presentation still burns it there, whatever its outcome.
 *
 * Cookie keys rotate by putting the new one first: tickets seal with the first and open
 * with any, so the ones outstanding (a few minutes at most) survive a rotation.
 */
import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync } from 'node:crypto';
import { secretBytes } from './secrets.js';

const VERSION = 1;
const NONCE = 32;
const IV = 12;
const TAG = 16;
const INFO = 'gatehouse impersonation ticket v1';

export interface TicketSeal {
  /** A new ticket (fresh randomness) carrying `payload`. */
  seal(payload: string): string;
  /** The payload, or null when the ticket is not one of ours (shape, version, key or tag). */
  open(ticket: string): string | null;
}

/** Longest ticket accepted: a record's reason, names and emails stay well under this. */
export const MAX_TICKET_LENGTH = 4096;
const SHAPE = /^[A-Za-z0-9_-]+$/;

export function createTicketSeal(secrets: readonly string[]): TicketSeal {
  if (secrets.length === 0) throw new Error('a ticket seal needs at least one key');
  // Key objects made once: one from raw bytes per call was 2.5% of the server's CPU under mint load.
  const keys = secrets.map((s) => createSecretKey(Buffer.from(hkdfSync('sha256', Buffer.from(s, 'utf8'), 'gatehouse', INFO, 32))));
  return {
    seal(payload) {
      const head = Buffer.concat([Buffer.of(VERSION), secretBytes(NONCE)]);
      const cipher = createCipheriv('aes-256-gcm', keys[0]!, head.subarray(1, 1 + IV));
      cipher.setAAD(head);
      const body = Buffer.concat([cipher.update(payload, 'utf8'), cipher.final()]);
      return Buffer.concat([head, body, cipher.getAuthTag()]).toString('base64url');
    },
    open(ticket) {
      if (ticket.length > MAX_TICKET_LENGTH || !SHAPE.test(ticket)) return null;
      const bytes = Buffer.from(ticket, 'base64url');
      if (bytes.length < 1 + NONCE + TAG + 1 || bytes[0] !== VERSION) return null;
      const head = bytes.subarray(0, 1 + NONCE);
      const body = bytes.subarray(1 + NONCE, bytes.length - TAG);
      const tag = bytes.subarray(bytes.length - TAG);
      for (const key of keys) {
        try {
          const decipher = createDecipheriv('aes-256-gcm', key, head.subarray(1, 1 + IV), { authTagLength: TAG });
          decipher.setAAD(head);
          decipher.setAuthTag(tag);
          return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
        } catch {
          // Sealed under another key (or not ours at all): try the next.
        }
      }
      return null;
    },
  };
}
