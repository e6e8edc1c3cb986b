/**
 * Server-side sessions for our own pages (the console, /account): a random 256-bit id in
 * a signed, HttpOnly, SameSite=Lax cookie; the record in the store with a TTL, so every
 * instance sees it and ending it is one delete. Signing in starts a new id (no fixation).
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { Store } from '../store/types.js';

export interface CookieSessionOptions {
  cookie: string;
  /** The store key of a session id (from keys.ts). */
  key: (id: string) => string;
  /** Seconds a session lives after it starts. */
  ttl: number;
}

export interface CookieSessions<T> {
  load(ctx: Context): Promise<T | null>;
  /** Replaces this browser's session, if any, with a new one under a new id. */
  start(ctx: Context, data: T): Promise<void>;
  /** Rewrites the current session's data, keeping its id and remaining lifetime. */
  update(ctx: Context, data: T): Promise<void>;
  end(ctx: Context): Promise<void>;
}

const ID = /^[A-Za-z0-9_-]{43}$/;

export function cookieSessions<T>(store: Store, options: CookieSessionOptions): CookieSessions<T> {
  const idOf = (ctx: Context) => {
    const id = ctx.cookies.get(options.cookie, { signed: true });
    return id && ID.test(id) ? id : null;
  };
  const setCookie = (ctx: Context, id: string | null) =>
    ctx.cookies.set(options.cookie, id, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, overwrite: true });

  async function load(ctx: Context): Promise<T | null> {
    const id = idOf(ctx);
    const raw = id ? await store.get(options.key(id)) : null;
    return raw ? (JSON.parse(raw) as T) : null;
  }

  async function start(ctx: Context, data: T): Promise<void> {
    const old = idOf(ctx);
    if (old) await store.del(options.key(old));
    const id = randomBytes(32).toString('base64url');
    await store.set(options.key(id), JSON.stringify(data), { ttl: options.ttl });
    setCookie(ctx, id);
  }

  async function update(ctx: Context, data: T): Promise<void> {
    const id = idOf(ctx);
    if (!id) return start(ctx, data);
    const left = await store.ttl(options.key(id));
    await store.set(options.key(id), JSON.stringify(data), { ttl: left > 0 ? left : options.ttl });
  }

  async function end(ctx: Context): Promise<void> {
    const id = idOf(ctx);
    if (id) await store.del(options.key(id));
    setCookie(ctx, null);
  }

  return { load, start, update, end };
}
