/**
 * Client authentication for the endpoints tenant apps call outside oidc-provider's own
 * (the activity report): `client_secret_basic`, RFC 6749 §2.3.1, as the RP kit sends it to
 * the token, introspection and revocation endpoints.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type ClientConfig, findClient, type GatehouseConfig } from '../config/index.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** RFC 6749 §2.3.1: id and secret are form-encoded before they are joined with ":". */
function formDecode(value: string): string | null {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** The configured client this `Authorization: Basic …` header proves, or null. */
export function authenticateClient(config: GatehouseConfig, authorization: string | undefined): ClientConfig | null {
  const encoded = /^Basic ([A-Za-z0-9+/=]{1,1024})$/i.exec(authorization ?? '')?.[1];
  if (!encoded) return null;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const [id, secret] = [formDecode(decoded.slice(0, colon)), formDecode(decoded.slice(colon + 1))];
  if (!id || secret === null) return null;
  const client = findClient(config, id);
  // Compared as digests: equal lengths, and no timing that tells how much of it matched.
  if (!client?.clientSecret || !timingSafeEqual(digest(secret), digest(client.clientSecret))) return null;
  return client;
}
