/**
 * Passkey management pages, shared by the console (/admin/passkeys) and the user's
 * account (/account/passkeys): list (name, created, last used, device type), register
 * (JSON ceremony for static/passkey.js), rename and remove (plain forms).
 *
 * Every change passes the page's `gate` first (PROTOCOL §3.1, §10.1): a step-up is only as
 * strong as enrollment, so who may add, rename or remove a passkey is the caller's rule
 * (the console: a fresh `phr` session; /account: a fresh passkey once one exists). A page
 * whose gate is closed shows why, and the way through (a step-up link or ceremony).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Services } from '../services.js';
import { PasskeyError, type PasskeyAccount, type PasskeyErrorCode, type StoredPasskey } from '../webauthn/index.js';
import { field, parseForm } from './body.js';
import { csrfToken, csrfValid } from './csrf.js';
import { refusePasskey, requireCsrfHeader } from './passkey-ceremony.js';
import { render } from './render.js';

/** Whether the signed-in account may change its passkeys now, and if not, why and how. */
export type ChangeGate =
  | { allowed: true }
  | {
      allowed: false;
      /** Shown on the page and in the JSON refusal. */
      reason: string;
      /** A page that confirms it's you and comes back (the console's step-up). */
      href?: string;
      /** A passkey ceremony on this page that does (the account page's). */
      ceremony?: { optionsUrl: string; verifyUrl: string };
    };

export interface PasskeyPagesOptions {
  /** Path of the list page, e.g. `/admin/passkeys`. */
  base: string;
  /** Where the page links back to. */
  home: string;
  /** The signed-in account, or null (the browser is then sent to `home`). */
  account(ctx: Context): Promise<PasskeyAccount | null>;
  /** May this account change its passkeys now? `held` is how many it has. */
  gate(ctx: Context, account: PasskeyAccount, held: number): Promise<ChangeGate>;
  /**
   * A form change (rename, remove) posted behind a closed gate that has a step-up page: keep
   * it across the step-up and send the browser there (the console). True when it answered.
   */
  keepForStepUp?(ctx: Context, label: string): Promise<boolean>;
  /** Refuses removing a passkey (e.g. `last_passkey`), or null to allow it. */
  refuseRemoval?(account: PasskeyAccount, remaining: number): Promise<PasskeyErrorCode | null>;
  onRegistered?(ctx: Context, account: PasskeyAccount, passkey: StoredPasskey): Promise<void>;
  onRemoved?(ctx: Context, account: PasskeyAccount, passkey: StoredPasskey): Promise<void>;
  onRenamed?(ctx: Context, account: PasskeyAccount, passkey: StoredPasskey): Promise<void>;
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

  /** The gate for a change; a JSON endpoint answers a closed one with 403 `step_up_required`. */
  async function openGate(ctx: Context, account: PasskeyAccount): Promise<boolean> {
    const gate = await options.gate(ctx, account, await passkeys.count(account.kind, account.id));
    if (gate.allowed) return true;
    ctx.status = 403;
    ctx.body = { error: 'step_up_required', error_description: gate.reason, ...(gate.href ? { step_up_uri: gate.href } : {}) };
    return false;
  }

  /**
   * For form posts: a closed gate sends the browser through the step-up, which finishes the
   * change after it where the page keeps changes (`keepForStepUp`), or back to the list,
   * which says why.
   */
  async function formGate(ctx: Context, account: PasskeyAccount, label: string): Promise<boolean> {
    if (!csrfValid(ctx, field(ctx.request.body, 'csrf'))) ctx.throw(403, 'Your session expired. Reload the page and try again.');
    const gate = await options.gate(ctx, account, await passkeys.count(account.kind, account.id));
    if (gate.allowed) return true;
    if (gate.href && (await options.keepForStepUp?.(ctx, label))) return false;
    ctx.status = 303;
    ctx.redirect(gate.href ?? options.base);
    return false;
  }

  async function renderList(ctx: Context, account: PasskeyAccount, error?: string) {
    const held = await passkeys.list(account.kind, account.id);
    const gate = await options.gate(ctx, account, held.length);
    const rows = held.map((p) => ({
      id: p.id,
      name: p.name,
      created: when(p.createdAt),
      lastUsed: when(p.lastUsedAt),
      deviceType: DEVICE_TYPES[p.deviceType],
    }));
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = render('passkeys', { title: 'Passkeys', base: options.base, home: options.home, rows, csrf: csrfToken(ctx), error, email: account.email, gate });
  }

  router.get('/', async (ctx) => {
    const account = await options.account(ctx);
    if (!account) return ctx.redirect(options.home);
    await renderList(ctx, account);
  });

  router.post('/options', parseForm, async (ctx) => {
    requireCsrfHeader(ctx);
    const account = await signedIn(ctx);
    if (!(await openGate(ctx, account))) return;
    ctx.body = await passkeys.startRegistration(account);
  });

  router.post('/verify', parseForm, async (ctx) => {
    requireCsrfHeader(ctx);
    const account = await signedIn(ctx);
    // Again: the gate may have closed since the options (a step-up that went stale).
    if (!(await openGate(ctx, account))) return;
    const body = ctx.request.body as { handle?: unknown; response?: unknown; name?: unknown };
    try {
      const passkey = await passkeys.finishRegistration({ account, handle: body.handle, response: body.response, name: body.name });
      await options.onRegistered?.(ctx, account, passkey);
      ctx.body = { redirectTo: options.base, passkey: { id: passkey.id, name: passkey.name, deviceType: passkey.deviceType } };
    } catch (err) {
      await refusePasskey(services, ctx, err);
    }
  });

  /** A change to one held passkey by form: rename or remove. */
  async function change(ctx: Context, label: string, act: (account: PasskeyAccount, held: StoredPasskey[]) => Promise<void>) {
    const account = await options.account(ctx);
    if (!account) return ctx.redirect(options.home);
    if (!(await formGate(ctx, account, label))) return;
    try {
      const held = await passkeys.list(account.kind, account.id);
      if (!held.some((p) => p.id === ctx.params.id)) throw new PasskeyError('not_found');
      await act(account, held);
    } catch (err) {
      if (!(err instanceof PasskeyError)) throw err;
      ctx.status = err.code === 'not_found' ? 404 : err.code === 'invalid_name' ? 400 : 409;
      return renderList(ctx, account, err.message);
    }
    ctx.status = 303;
    ctx.redirect(options.base);
  }

  router.post('/:id/delete', parseForm, (ctx) =>
    change(ctx, 'Remove the passkey', async (account, held) => {
      const refusal = (await options.refuseRemoval?.(account, held.length)) ?? null;
      if (refusal) throw new PasskeyError(refusal);
      const removed = await passkeys.remove(account.kind, account.id, ctx.params.id!);
      await options.onRemoved?.(ctx, account, removed);
    }),
  );

  router.post('/:id/rename', parseForm, (ctx) =>
    change(ctx, 'Rename the passkey', async (account) => {
      const renamed = await passkeys.rename(account.kind, account.id, ctx.params.id!, field(ctx.request.body, 'name', 256));
      await options.onRenamed?.(ctx, account, renamed);
    }),
  );

  return router;
}
