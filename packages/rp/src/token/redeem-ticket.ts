import { ACCESS_TOKEN_TYPE, IMPERSONATION_TICKET_TYPE, TOKEN_EXCHANGE_GRANT_TYPE } from '../constants.js';
import { discover } from '../discovery/discover.js';
import { GatehouseRpError } from '../errors.js';
import { isObject, oauthErrorDetails, postForm } from '../http/request.js';
import { verifyImpersonationToken } from '../jwt/verify-impersonation-token.js';
import type { RedeemedImpersonation, RedeemTicketOptions } from '../types.js';
import { revokeToken } from './revoke-token.js';

/**
 * Redeems a one-time impersonation ticket (PROTOCOL.md §3 step 4, the RFC 8693 §2.1 token
 * exchange's second leg) for an impersonation access token, and verifies that token with
 * {@link verifyImpersonationToken} before returning it.
 *
 * The first presentation burns the ticket whatever happens, so never retry with the same one.
 *
 * Throws {@link GatehouseRpError}: `ticket_rejected` when Gatehouse refuses (4xx; `error` and
 * `error_description` carry its RFC 6749 §5.2 answer, e.g. `invalid_request` for a used or
 * expired ticket), `issuer_unreachable`, `issuer_bad_response`, or a `token_*` code when the
 * issued token does not verify (typically `token_wrong_audience`: `audience` is not the origin
 * Gatehouse has for this tenant); such a token is revoked before the error is thrown.
 *
 * @example
 * ```ts
 * const { accessToken, expiresIn, claims } = await redeemTicket(ticket, {
 *   issuer: 'https://login.example.com',
 *   clientId: 'acme-app',
 *   clientSecret: process.env.GATEHOUSE_CLIENT_SECRET!,
 *   audience: 'https://app.acme.com',
 * });
 * ```
 */
export async function redeemTicket(ticket: string, options: RedeemTicketOptions): Promise<RedeemedImpersonation> {
  if (typeof ticket !== 'string' || ticket === '') {
    throw new GatehouseRpError('ticket_rejected', 'no ticket given', { error: 'invalid_request' });
  }
  const { token_endpoint } = await discover(options.issuer);
  const response = await postForm(
    token_endpoint,
    {
      grant_type: TOKEN_EXCHANGE_GRANT_TYPE,
      subject_token: ticket,
      subject_token_type: IMPERSONATION_TICKET_TYPE,
      requested_token_type: ACCESS_TOKEN_TYPE,
    },
    options,
    'redeem ticket',
  );
  if (response.status >= 400) {
    const details = oauthErrorDetails(response);
    throw new GatehouseRpError('ticket_rejected', `Gatehouse refused the ticket: ${details.error ?? response.status}`, details);
  }
  const { body } = response;
  // RFC 8693 §2.2.1 response; token_type is case-insensitive (RFC 6749 §5.1).
  if (
    response.status !== 200 ||
    !isObject(body) ||
    typeof body.access_token !== 'string' ||
    body.issued_token_type !== ACCESS_TOKEN_TYPE ||
    typeof body.token_type !== 'string' ||
    body.token_type.toLowerCase() !== 'bearer'
  ) {
    throw new GatehouseRpError('issuer_bad_response', 'the token endpoint did not answer with a Bearer access token', {
      status: response.status,
    });
  }
  const accessToken = body.access_token;
  const claims = await verifyImpersonationToken(accessToken, options).catch(async (err: unknown) => {
    // The session exists at Gatehouse now; one this app will not use must not look live in the
    // console until it expires. Best effort (RFC 7009): the verification error is what matters.
    await revokeToken(accessToken, options).catch(() => undefined);
    throw err;
  });
  const expiresIn =
    typeof body.expires_in === 'number' && body.expires_in > 0
      ? Math.min(body.expires_in, claims.exp - Math.floor(Date.now() / 1000))
      : claims.exp - Math.floor(Date.now() / 1000);
  return {
    accessToken,
    expiresIn,
    scope: typeof body.scope === 'string' ? body.scope : claims.scope,
    claims,
  };
}
