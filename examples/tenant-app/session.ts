/**
 * The app's own sign-in state, in cookies signed with the site's keys (so only values this site
 * wrote are read back): the session holds the user's claims, the login transaction holds the
 * PKCE verifier and state between /login and /callback. Signed, not encrypted: the user may
 * read their own claims, nobody can change them.
 */
import type { Context } from 'koa';

/** The user as the app knows them, from Gatehouse's userinfo. */
export interface AppUser {
  sub: string;
  email?: string;
  name?: string;
  tenant?: string;
}

interface StoredSession {
  user: AppUser;
  /** For RP-initiated logout's `id_token_hint`. */
  idToken?: string;
}

export interface LoginTransaction {
  codeVerifier: string;
  state: string;
  nonce: string;
  /** A same-site path to return to after login. */
  returnTo: string;
}

const SESSION_COOKIE = 'app_session';
const LOGIN_COOKIE = 'app_login';
const SESSION_MAX_AGE_MS = 8 * 3600 * 1000;
const LOGIN_MAX_AGE_MS = 10 * 60 * 1000;

function options(ctx: Context, maxAge?: number) {
  return {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.secure,
    path: '/',
    overwrite: true,
    ...(maxAge ? { maxAge } : {}),
  } as const;
}

function readJson(ctx: Context, name: string): unknown {
  const raw = ctx.cookies.get(name, { signed: true });
  if (!raw) return undefined;
  try {
    return JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function writeJson(ctx: Context, name: string, value: unknown, maxAge: number): void {
  ctx.cookies.set(name, Buffer.from(JSON.stringify(value)).toString('base64url'), options(ctx, maxAge));
}

const isString = (v: unknown): v is string => typeof v === 'string';

export function readSession(ctx: Context): StoredSession | undefined {
  const value = readJson(ctx, SESSION_COOKIE) as Partial<StoredSession> | undefined;
  if (!value?.user || !isString(value.user.sub)) return undefined;
  const { sub, email, name, tenant } = value.user;
  return {
    user: { sub, ...(isString(email) ? { email } : {}), ...(isString(name) ? { name } : {}), ...(isString(tenant) ? { tenant } : {}) },
    ...(isString(value.idToken) ? { idToken: value.idToken } : {}),
  };
}

export function writeSession(ctx: Context, session: StoredSession): void {
  writeJson(ctx, SESSION_COOKIE, session, SESSION_MAX_AGE_MS);
}

export function clearSession(ctx: Context): void {
  ctx.cookies.set(SESSION_COOKIE, null, options(ctx));
}

/** Reads and clears the login transaction: each is good for one callback. */
export function takeLoginTransaction(ctx: Context): LoginTransaction | undefined {
  const value = readJson(ctx, LOGIN_COOKIE) as Partial<LoginTransaction> | undefined;
  ctx.cookies.set(LOGIN_COOKIE, null, options(ctx));
  if (!value || !isString(value.codeVerifier) || !isString(value.state) || !isString(value.nonce)) return undefined;
  return { codeVerifier: value.codeVerifier, state: value.state, nonce: value.nonce, returnTo: safePath(value.returnTo) };
}

export function writeLoginTransaction(ctx: Context, tx: LoginTransaction): void {
  writeJson(ctx, LOGIN_COOKIE, tx, LOGIN_MAX_AGE_MS);
}

/** Only a local path (`/x`, never `//host` or `/\host`): no open redirect. */
export function safePath(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/';
}
