/**
 * Passkey management pages, shared by the console (/admin/passkeys) and the user's
 * account (/account/passkeys): list (name, created, last used, device type), register
 * (JSON ceremony for static/passkey.js), remove (plain form).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Services } from '../services.js';
import { PasskeyError, type PasskeyAccount, type PasskeyErrorCode, type StoredPasskey } from '../webauthn/index.js';
import { field, parseForm } from './body.js';
import { csrfToken, csrfValid } from './csrf.js';
import { refusePasskey, requireCsrfHeader } from './passkey-ceremony.js';
import { render } from './render.js';

export interface PasskeyPagesOptions {
  /** Path of the list page, e.g. `/admin/passkeys`. */
  base: string;
  /** Where the page links back to. */
  home: string;
  /** The signed-in account, or null (the browser is then sent to `home`). */
  account(ctx: Context): Promise<PasskeyAccount | null>;
  /** Refuses removing a passkey (e.g. `last_passkey`), or null to allow it. */
  refuseRemoval?(account: PasskeyAccount, remaining: number): Promise<PasskeyErrorCode | null>;
  onRegistered?(ctx: Context, account: PasskeyAccount, passkey: StoredPasskey): Promise<void>;
  onRemoved?(ctx: Context, account: PasskeyAccount, passkey: StoredPasskey): Promise<void>;
}

const DEVICE_TYPES = { singleDevice: 'Device-bound (this authenticator only)', multiDevice: 'Synced (copies on your other devices)' };
const when = (ms: number | null) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : 'never');

export function passkeyPages(services: Services, options: PasskeyPagesOptions) {
  const { passkeys } = services;
  const router = new Router({ prefix: options.base });

  async function signedIn(ctx: Context): Promise<PasskeyAccount> {
    const account = await options.account(ctx);
    if (!account) ctx.throw(401, 'You are signed out. Sign in again.');
    return account!;
  }

  async function renderList(ctx: Context, account: PasskeyAccount, error?: string) {
    const rows = (await passkeys.list(account.kind, account.id)).map((p) => ({
      id: p.id,
      name: p.name,
      created: when(p.createdAt),
      lastUsed: when(p.lastUsedAt),
      deviceType: DEVICE_TYPES[p.deviceType],
    }));
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = render('passkeys', { title: 'Passkeys', base: options.base, home: options.home, rows, csrf: csrfToken(ctx), error, email: account.email });
  }

  router.get('/', async (ctx) => {
    const account = await options.account(ctx);
    if (!account) return ctx.redirect(options.home);
    await renderList(ctx, account);
  });

  router.post('/options', parseForm, async (ctx) => {
    requireCsrfHeader(ctx);
    ctx.body = await passkeys.startRegistration(await signedIn(ctx));
  });

  router.post('/verify', parseForm, async (ctx) => {
    requireCsrfHeader(ctx);
    const account = await signedIn(ctx);
    const body = ctx.request.body as { handle?: unknown; response?: unknown; name?: unknown };
    try {
      const passkey = await passkeys.finishRegistration({ account, handle: body.handle, response: body.response, name: body.name });
      await options.onRegistered?.(ctx, account, passkey);
      ctx.body = { redirectTo: options.base, passkey: { id: passkey.id, name: passkey.name, deviceType: passkey.deviceType } };
    } catch (err) {
      await refusePasskey(services, ctx, err);
    }
  });

  router.post('/:id/delete', parseForm, async (ctx) => {
    const account = await options.account(ctx);
    if (!account) return ctx.redirect(options.home);
    if (!csrfValid(ctx, field(ctx.request.body, 'csrf'))) ctx.throw(403, 'Your session expired. Reload the page and try again.');
    try {
      const held = await passkeys.list(account.kind, account.id);
      if (!held.some((p) => p.id === ctx.params.id)) throw new PasskeyError('not_found');
      const refusal = (await options.refuseRemoval?.(account, held.length)) ?? null;
      if (refusal) throw new PasskeyError(refusal);
      const removed = await passkeys.remove(account.kind, account.id, ctx.params.id!);
      await options.onRemoved?.(ctx, account, removed);
    } catch (err) {
      if (!(err instanceof PasskeyError)) throw err;
      ctx.status = err.code === 'not_found' ? 404 : 409;
      return renderList(ctx, account, err.message);
    }
    ctx.status = 303;
    ctx.redirect(options.base);
  });

  return router;
}
