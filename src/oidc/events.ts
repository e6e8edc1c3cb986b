/** Logs oidc-provider's error events (never tokens: only names, codes and descriptions). */
import type Provider from 'oidc-provider';
import type { Logger } from '../log.js';

const WARN_EVENTS = [
  'grant.error',
  'authorization.error',
  'introspection.error',
  'revocation.error',
  'userinfo.error',
  'end_session.error',
  'jwks.error',
  'discovery.error',
  'check_session.error',
  'backchannel.error',
  'registration_create.error',
  'pushed_authorization_request.error',
] as const;

/**
 * Introspection and revocation refuse every JWT access token with UnsupportedTokenType,
 * and our post-middleware then answers for it (src/exchange/token-endpoints.ts): the
 * client gets its answer, so this is no failure worth a warning (one per introspection
 * of an impersonation token, otherwise).
 */
function answeredByGatehouse(event: string, err: unknown): boolean {
  return (event === 'introspection.error' || event === 'revocation.error') && (err as { name?: string })?.name === 'UnsupportedTokenType';
}

export function observeProvider(provider: Provider, logger: Logger) {
  const log = logger.child({ component: 'oidc' });
  const describe = (err: unknown) => {
    const e = err as { name?: string; error?: string; error_description?: string; error_detail?: string; status?: number };
    return { name: e.name, error: e.error, description: e.error_description, detail: e.error_detail, status: e.status };
  };
  for (const event of WARN_EVENTS) {
    (provider as unknown as NodeJS.EventEmitter).on(event, (_ctx: unknown, err: unknown) => {
      if (answeredByGatehouse(event, err)) log.debug({ event, ...describe(err) }, `${event} (a JWT, answered by Gatehouse)`);
      else log.warn({ event, ...describe(err) }, event);
    });
  }
  provider.on('server_error', (_ctx: unknown, err: Error) => log.error({ event: 'server_error', err }, 'server_error'));
  provider.on('grant.revoked', (_ctx: unknown, grantId: string) => log.info({ event: 'grant.revoked', grantId }, 'grant revoked'));
}
