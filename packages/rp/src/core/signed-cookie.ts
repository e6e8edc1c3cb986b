/**
 * The impersonation cookie of the Express and fetch adapters (Koa signs with `app.keys`): the
 * token and an HMAC-SHA256 over `name=token` with the first of `cookieKeys`, checked against
 * each key (so keys rotate), with Web Crypto. Only tokens this app stored are ever read back.
 * The cookie is httpOnly (no script reads it), `SameSite=Lax` (sent on the top-level navigation
 * that follows the console's cross-site form post, never on cross-site subrequests or POSTs),
 * `Path=/`, and `Secure` when the app's origin is https.
 */
import type { CookieChange } from './exchange.js';

const encoder = new TextEncoder();

function base64url(bytes: ArrayBuffer): string {
  let binary = '';
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export interface ImpersonationCookie {
  /** The token of a `Cookie` request header, when the cookie is there and its signature holds. */
  read(cookieHeader: string | null | undefined): Promise<string | undefined>;
  /** The `Set-Cookie` value for a change. */
  write(change: CookieChange): Promise<string>;
}

/** Checks `cookieKeys` at startup (a mistake throws TypeError) and returns the cookie's reader and writer. */
export function signedCookie(name: string, keys: unknown, secure: boolean): ImpersonationCookie {
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((key) => typeof key === 'string' && key !== '')) {
    throw new TypeError('gatehouseRp: "cookieKeys" must be a non-empty array of secret strings; the cookie is signed with them');
  }
  const cryptoKeys = keys.map((key: string) =>
    crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']),
  );
  const attributes = `Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  const signed = (value: string) => encoder.encode(`${name}=${value}`);

  return {
    async read(cookieHeader) {
      const value = readCookie(cookieHeader, name);
      const dot = value?.lastIndexOf('.') ?? -1;
      if (!value || dot < 0) return undefined;
      const token = value.slice(0, dot);
      const signature = fromBase64url(value.slice(dot + 1));
      if (!token || !signature) return undefined;
      for (const key of cryptoKeys) {
        if (await crypto.subtle.verify('HMAC', await key, signature, signed(token))) return token;
      }
      return undefined;
    },
    async write(change) {
      if ('clear' in change) return `${name}=; ${attributes}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
      const signature = base64url(await crypto.subtle.sign('HMAC', await cryptoKeys[0]!, signed(change.token)));
      return `${name}=${change.token}.${signature}; ${attributes}; Max-Age=${Math.max(0, Math.floor(change.maxAgeMs / 1000))}`;
    },
  };
}

/** One cookie's value from a `Cookie` header (RFC 6265 §5.4), or undefined. */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
