import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header a signed webhook carries (PROTOCOL.md §6). */
export const SIGNATURE_HEADER = 'Gatehouse-Signature';

function hmacHex(secret: string, timestamp: string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/**
 * The `Gatehouse-Signature` value for a webhook body: `t=<unix seconds>,v1=<hex
 * HMAC-SHA256(secret, "<t>.<body>")>`. The timestamp is signed with the body so a
 * receiver can refuse replays of old deliveries.
 *
 * @example
 * headers['Gatehouse-Signature'] = signWebhook(secret, body);
 */
export function signWebhook(secret: string, body: string | Uint8Array, now: Date = new Date()): string {
  const t = String(Math.floor(now.getTime() / 1000));
  return `t=${t},v1=${hmacHex(secret, t, body)}`;
}

/**
 * Checks a `Gatehouse-Signature` header against the raw request body, in constant time.
 * Accepts several `v1=` members (a sender rotating secrets may send one per secret) and
 * refuses a timestamp more than `toleranceSeconds` away from `now`.
 *
 * @example
 * if (!verifyWebhookSignature(secret, req.headers['gatehouse-signature'], rawBody)) return reply(400);
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | null | undefined,
  body: string | Uint8Array,
  toleranceSeconds = 300,
  now: Date = new Date(),
): boolean {
  if (!header) return false;
  let t: string | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't') t = value;
    else if (name === 'v1') candidates.push(value);
  }
  if (t === undefined || !/^\d{1,12}$/.test(t) || candidates.length === 0) return false;
  if (Math.abs(now.getTime() / 1000 - Number(t)) > toleranceSeconds) return false;

  const expected = Buffer.from(hmacHex(secret, t, body), 'hex');
  let match = false;
  for (const candidate of candidates) {
    if (!/^[0-9a-f]{64}$/i.test(candidate)) continue;
    // Every candidate is compared, so timing does not reveal which one matched.
    if (timingSafeEqual(Buffer.from(candidate, 'hex'), expected)) match = true;
  }
  return match;
}
