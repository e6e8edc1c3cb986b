/**
 * Client authentication for the endpoints tenant apps call outside oidc-provider's own
 * (the activity report): `client_secret_basic`, RFC 6749 §2.3.1, as the RP kit sends it to
 * the token, introspection and revocation endpoints.
 */
import type { Client, TenancyView } from '../tenancy/index.js';

/** RFC 6749 §2.3.1: id and secret are form-encoded before they are joined with ":". */
function formDecode(value: string): string | null {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** The active client this `Authorization: Basic …` header proves (the runtime view's secrets), or null. */
export function authenticateClient(view: TenancyView, authorization: string | undefined): Client | null {
  const encoded = /^Basic ([A-Za-z0-9+/=]{1,1024})$/i.exec(authorization ?? '')?.[1];
  if (!encoded) return null;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const [id, secret] = [formDecode(decoded.slice(0, colon)), formDecode(decoded.slice(colon + 1))];
  if (!id || secret === null) return null;
  // Compared as digests, in constant time (tenancy/secrets.ts).
  return view.checkSecret(id, secret) ? (view.client(id) ?? null) : null;
}
