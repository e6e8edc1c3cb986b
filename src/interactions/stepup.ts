/**
 * Step-up with a passkey inside an authorization request (PROTOCOL §3 step 1): when the
 * request asks for acr `phr` and the browser's session already has an account that fits
 * the client, the login prompt asks that account for a passkey rather than a password.
 */
import type { Context } from 'koa';
import { render } from '../http/render.js';
import { accountFitsClient, type AccountClaims } from '../oidc/provider.js';
import { ACR_PHISHING_RESISTANT } from '../oidc/policy.js';
import type { Services } from '../services.js';
import type { PasskeyMethod } from '../webauthn/index.js';
import type { InteractionDetails } from './details.js';

export function wantsPhishingResistant(params: Record<string, unknown>): boolean {
  return String(params.acr_values ?? '').split(' ').includes(ACR_PHISHING_RESISTANT);
}

/** Does the client accept this account (console: admins; a tenant's app: that tenant's users)? */
export function fitsClient(account: AccountClaims, client: object): boolean {
  const c = client as { gatehouse_role?: unknown; gatehouse_tenant?: unknown };
  return accountFitsClient(account, String(c.gatehouse_role), c.gatehouse_tenant as string | undefined);
}

/** The session's account when this login prompt is a step-up of it, else null. */
export async function stepUpAccount(services: Services, { interaction, client }: InteractionDetails) {
  const accountId = interaction.session?.accountId;
  if (interaction.prompt.name !== 'login' || !accountId || !wantsPhishingResistant(interaction.params)) return null;
  const account = await services.lookupAccount(accountId);
  return account && fitsClient(account, client) ? account : null;
}

/**
 * RFC 8176 methods for a passkey assertion: the passkey's kind and `user` (it was
 * user-verified); after a password in the same session for the same account, `pwd`
 * too and `mfa` (PROTOCOL §2).
 */
export function amrFor(method: PasskeyMethod, session: { accountId?: string; amr?: string[] } | undefined, accountId: string) {
  const afterPassword = session?.accountId === accountId && Boolean(session.amr?.includes('pwd'));
  return afterPassword ? ['pwd', method, 'user', 'mfa'] : [method, 'user'];
}

export async function renderStepUp(services: Services, ctx: Context, details: InteractionDetails, account: AccountClaims, csrf: string) {
  const { interaction, client } = details;
  const clientName = client.clientName ?? client.clientId;
  const count = await services.passkeys.count(account.kind, account.id);
  ctx.type = 'html';
  if (count === 0) {
    ctx.body = render('stepup-no-passkey', {
      title: 'A passkey is required',
      uid: interaction.uid,
      clientName,
      admin: account.kind === 'admin',
      registerUrl: `${services.config.issuer}${account.kind === 'admin' ? '/admin' : '/account'}`,
    });
    return;
  }
  ctx.body = render('stepup', { title: "Confirm it's you", uid: interaction.uid, clientName, email: account.email, csrf });
}
