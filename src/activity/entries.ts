/**
 * One entry of what support did (PROTOCOL §7, §8): a request the tenant app served during
 * an impersonation, as its RP kit reported it. Method, path (never the query), the route
 * when the app's router knows it, status, time, and whether a guard blocked it; never a
 * body. This module checks a reported entry and says it in the user's words.
 */

export interface ActivityEntry {
  /** Upper-case HTTP method, e.g. `GET`. */
  method: string;
  /** The path without query or fragment, as the app received it (percent-encoded). */
  path: string;
  /** The route pattern that answered (`/invoices/:id`), when the app's router knows it. */
  route?: string;
  /** HTTP status of the app's answer. */
  status: number;
  /** When the request reached the app, ms since the epoch. */
  at: number;
  /** A guard (`forbidWhileImpersonating`) refused it. */
  blocked: boolean;
}

/** Tenant apps' clocks may differ from Gatehouse's by this much. */
export const ACTIVITY_CLOCK_SKEW_MS = 30_000;
const MAX_PATH = 512;
/** RFC 9110 §9.1 method tokens, as the kit sends them (upper case). */
const METHOD = /^[A-Z][A-Z-]{0,19}$/;
/** Printable ASCII without spaces, `?` or `#`: a path as sent on the wire, no query, no fragment. */
const PATH = /^\/[\x21-\x22\x24-\x3e\x40-\x7e]*$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The entry a report carries, or why it is refused. Unknown members are refused too: a
 * kit that starts sending bodies or query strings must fail loudly, not be stored.
 */
export function readActivityEntry(value: unknown): ActivityEntry | string {
  if (!isObject(value)) return 'must be an object';
  const { method, path, route, status, at, blocked, ...rest } = value;
  const extra = Object.keys(rest);
  if (extra.length > 0) return `unknown member ${JSON.stringify(extra[0])} (only method, path, route, status, at, blocked)`;
  if (typeof method !== 'string' || !METHOD.test(method)) return 'method must be an upper-case HTTP method';
  if (typeof path !== 'string' || path.length > MAX_PATH || !PATH.test(path)) {
    return `path must start with "/", hold no query, fragment or spaces, and be at most ${MAX_PATH} characters`;
  }
  if (route !== undefined && (typeof route !== 'string' || route.length > MAX_PATH || !PATH.test(route))) {
    return `route, when given, must look like a path (at most ${MAX_PATH} characters)`;
  }
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return 'status must be an HTTP status (100-599)';
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at <= 0) return 'at must be a time in milliseconds since the epoch';
  if (blocked !== undefined && typeof blocked !== 'boolean') return 'blocked, when given, must be true or false';
  return { method, path, ...(route ? { route } : {}), status, at, blocked: blocked === true };
}

/** What a user reads about one entry: "viewed /invoices", "tried POST /payment — blocked". */
export function describeActivity(entry: ActivityEntry): string {
  const reading = entry.method === 'GET' || entry.method === 'HEAD';
  if (entry.blocked) return `tried ${entry.method} ${entry.path} — blocked`;
  if (entry.status >= 400) return `tried ${entry.method} ${entry.path} — refused (${entry.status})`;
  return reading ? `viewed ${entry.path}` : `did ${entry.method} ${entry.path}`;
}

/** Stored compactly: one short JSON object per entry. */
export function encodeActivity(entry: ActivityEntry): string {
  return JSON.stringify({ m: entry.method, p: entry.path, ...(entry.route ? { r: entry.route } : {}), s: entry.status, t: entry.at, ...(entry.blocked ? { b: 1 } : {}) });
}

export function decodeActivity(stored: string): ActivityEntry | null {
  try {
    const v = JSON.parse(stored) as { m: string; p: string; r?: string; s: number; t: number; b?: number };
    return { method: v.m, path: v.p, ...(v.r ? { route: v.r } : {}), status: v.s, at: v.t, blocked: v.b === 1 };
  } catch {
    return null;
  }
}
