/**
 * The RFC 8693 token exchange grant, one module, two legs: a subject_token of type
 * impersonation-ticket is a redemption (leg 2); anything else is a mint (leg 1).
 */
import type { GrantModule } from '../oidc/provider.js';
import { ImpersonationError } from '../impersonation/reasons.js';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE_IMPERSONATION_TICKET } from '../impersonation/token-types.js';
import type { KoaContextWithOIDC } from '../oidc/tokens.js';
import type { Services } from '../services.js';
import { param, refuse, requestFacts } from './context.js';
import { mintLeg } from './mint.js';
import { redeemLeg } from './redeem.js';

export const grantType = GRANT_TYPE_TOKEN_EXCHANGE;

/** RFC 8693 §2.1 parameters, plus Gatehouse's `reason` and `duration` (PROTOCOL §3.2). */
export const parameters = [
  'actor_token',
  'actor_token_type',
  'subject_token',
  'subject_token_type',
  'requested_token_type',
  'audience',
  'resource',
  'scope',
  'reason',
  'duration',
];

export function tokenExchangeGrant(services: Services): GrantModule {
  return {
    grantType,
    parameters,
    allowedDuplicateParameters: ['audience', 'resource'],
    async handler(ctx: KoaContextWithOIDC) {
      const facts = requestFacts(ctx);
      const redeem = param(ctx, 'subject_token_type') === TOKEN_TYPE_IMPERSONATION_TICKET;
      const role = ctx.oidc.client?.gatehouse_role;
      try {
        if (redeem) {
          await redeemLeg(ctx, services, facts);
        } else {
          if (role !== 'support-console') throw new ImpersonationError('client_not_console');
          await mintLeg(ctx, services, facts);
        }
      } catch (err) {
        await refuse(ctx, services, err, facts);
      }
    },
  };
}
