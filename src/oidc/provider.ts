/**
 * Builds the oidc-provider instance. This folder is the only place that imports
 * oidc-provider (ARCHITECTURE.md "one owner module per library").
 */
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
// Extends the engine's introspection and revocation routes; must load before any Provider is made.
import './structured-tokens.js';
import type { JWK } from 'jose';
import { issuedBeforeLastDisable } from '../accounts/records.js';
import { CLIENT_SCOPES, type GatehouseConfig, MANAGE_SCOPES } from '../config/index.js';
import type { Logger } from '../log.js';
import type { TenancyView } from '../tenancy/index.js';
import { MANAGEMENT_TOKEN_TTL, managementResource } from '../tenancy/manage/resource.js';
import type { Store } from '../store/types.js';
import { createAdapterClass } from './adapter.js';
import { ACR_VALUES, buildPolicy } from './policy.js';
import { memoizeClientLookup } from './client-lookup.js';
import { toProviderClient } from './clients.js';
import { renderPages } from './pages.js';

/** Where tenant apps report impersonation activity (the route lives in src/tenant-api). */
export const IMPERSONATION_ACTIVITY_PATH = '/impersonation/activity';

/** What the provider needs to know about an account, whichever model it lives in. */
export interface AccountClaims {
  id: string;
  kind: 'user' | 'admin';
  email: string;
  name: string;
  tenant?: string;
  disabled: boolean;
  /** When the account was last disabled (ms): Gatehouse sessions signed in before it are over. */
  sessionsEndedAt?: number;
}

export interface ProviderDeps {
  config: GatehouseConfig;
  store: Store;
  jwks: { keys: JWK[] };
  logger: Logger;
  lookupAccount: (id: string) => Promise<AccountClaims | null>;
  /** Runtime configuration (PROTOCOL §11): the clients, tenants' domains and client secrets. */
  tenancy: { view(): TenancyView; checkClientSecret(clientId: string, secret: string): boolean };
}

/** A grant module (CONVENTIONS: as oidc-provider's own): registered in one loop. */
export interface GrantModule {
  grantType: string;
  parameters: string[];
  /** Parameters that may appear more than once (RFC 8693 §2.1: audience, resource). */
  allowedDuplicateParameters?: string[];
  handler: (ctx: KoaContextWithOIDC) => Promise<void>;
}

export function registerGrants(provider: Provider, grants: GrantModule[]) {
  for (const grant of grants) {
    provider.registerGrantType(grant.grantType, grant.handler, grant.parameters, grant.allowedDuplicateParameters ?? []);
  }
}

/** Does this account belong with this client? Admins sign in to the console, users to their tenant's apps. */
export function accountFitsClient(account: AccountClaims, clientRole: string, clientTenant: string | undefined) {
  if (account.disabled) return false;
  if (clientRole === 'support-console') return account.kind === 'admin';
  return account.kind === 'user' && account.tenant === clientTenant;
}

/** When a token or code was first issued (ms): `iiat` for a rotated refresh token, else `iat`. */
function issuedAtOf(token: object): number | undefined {
  const { iiat, iat } = token as { iiat?: number; iat?: number };
  const seconds = iiat ?? iat;
  return typeof seconds === 'number' ? seconds * 1000 : undefined;
}

export function createProvider(deps: ProviderDeps): Provider {
  const { config, store, jwks, lookupAccount, tenancy } = deps;
  let provider: Provider | undefined;
  const clientMetadata = (id: string) => {
    const client = tenancy.view().client(id);
    return client && (toProviderClient(client) as never);
  };
  const Adapter = createAdapterClass(store, () => provider, clientMetadata);
  const manage = managementResource(config.issuer);

  const configuration: Configuration = {
    adapter: Adapter,
    // No static clients: every lookup goes through the adapter to the runtime view (src/tenancy).
    clients: [],
    jwks,
    cookies: { keys: config.cookieKeys },
    acrValues: [...ACR_VALUES],
    claims: {
      // How the subject authenticated rides on every ID token (OIDC Core §2), not only when
      // acr_values or max_age asked for it: relying parties checking a step-up read amr too.
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      profile: ['name', 'tenant'],
      email: ['email', 'email_verified'],
    },
    // `audit:read`: a tenant client reading its tenant's audit log (client credentials, src/transparency);
    // `manage:*` / `read:*`: a management client calling the management API (src/tenancy/manage).
    scopes: [...CLIENT_SCOPES],
    // Code flow only: no implicit or hybrid responses (RFC 9700 §2.1.2).
    responseTypes: ['code', 'none'],
    extraClientMetadata: { properties: ['gatehouse_role', 'gatehouse_tenant'] },
    clientDefaults: { id_token_signed_response_alg: 'RS256', token_endpoint_auth_method: 'client_secret_basic' },
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256', 'RS256'],
      userinfoSigningAlgValues: ['ES256', 'RS256'],
      introspectionSigningAlgValues: ['ES256', 'RS256'],
      authorizationSigningAlgValues: ['ES256', 'RS256'],
    },
    // RFC 9700 §2.1.1: PKCE for every code flow, confidential clients included.
    pkce: { required: () => true },
    rotateRefreshToken: true,
    conformIdTokenClaims: false,
    ttl: {
      AccessToken: config.policy.accessTokenTtl,
      ClientCredentials: config.policy.accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: config.policy.refreshTokenTtl,
      Interaction: 3600,
      Session: config.policy.sessionTtl,
      Grant: config.policy.refreshTokenTtl,
    },
    interactions: {
      policy: buildPolicy(async (accountId, client, loginTs) => {
        const account = await lookupAccount(accountId);
        const c = client as { gatehouse_role?: unknown; gatehouse_tenant?: unknown };
        if (!account || issuedBeforeLastDisable(account, (loginTs ?? 0) * 1000)) return false;
        return accountFitsClient(account, String(c.gatehouse_role), c.gatehouse_tenant as string | undefined);
      }),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    // Published beside the standard metadata, from the issuer (PROTOCOL §10.5): where the
    // RP kit reports what was done during an impersonation (src/tenant-api/activity.ts).
    discovery: { impersonation_activity_endpoint: `${config.issuer}${IMPERSONATION_ACTIVITY_PATH}` },
    features: {
      devInteractions: { enabled: false },
      // OpenID Connect Back-Channel Logout 1.0: clients may register backchannel_logout_uri,
      // and discovery says backchannel_logout_supported / _session_supported. Gatehouse sends
      // impersonation logouts itself, through the durable queue (src/delivery).
      backchannelLogout: { enabled: true },
      clientCredentials: { enabled: true },
      // RFC 7662 §4 / RFC 7009 §2.1: a client learns about, or revokes, only its own tokens;
      // the support console may introspect any (it lists and ends sessions). A deleted
      // client's tokens are inactive (PROTOCOL §11), whoever asks.
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) =>
          (token.clientId === client.clientId || client.gatehouse_role === 'support-console') && tenancy.view().client(String(token.clientId)) !== undefined,
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: renderPages.logout,
        postLogoutSuccessSource: renderPages.loggedOut,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: async () => true,
        // A tenant's verified domains are its resource servers, and the management API is
        // one of Gatehouse's own: tokens for them are RFC 9068 JWTs with that audience.
        getResourceServerInfo: async (_ctx, resourceIndicator, client) => {
          if (resourceIndicator === manage) {
            if (client.gatehouse_role !== 'management') throw new errors.InvalidTarget('only a management client may ask for the management API');
            return {
              audience: manage,
              scope: MANAGE_SCOPES.join(' '),
              accessTokenTTL: Math.min(config.policy.accessTokenTtl, MANAGEMENT_TOKEN_TTL),
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'ES256' } },
            };
          }
          const tenantId = client.gatehouse_tenant as string | undefined;
          const tenant = tenantId ? tenancy.view().tenant(tenantId) : undefined;
          if (!tenant?.domains.includes(resourceIndicator)) {
            throw new errors.InvalidTarget('resource is not a verified domain of this client\'s tenant');
          }
          return {
            audience: resourceIndicator,
            scope: 'profile email',
            accessTokenTTL: config.policy.accessTokenTtl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    findAccount: async (_ctx, sub, token) => {
      const account = await lookupAccount(sub);
      if (!account || account.disabled) return undefined;
      // PROTOCOL §10.2: what was issued before the account's most recent disable is dead. The
      // provider passes the code, refresh token or access token being used (userinfo, the code
      // and refresh grants); a refresh token counts from its first issue (`iiat`), so rotating
      // it never launders one from before the disable.
      if (token && issuedBeforeLastDisable(account, issuedAtOf(token))) return undefined;
      return {
        accountId: account.id,
        claims: async () => ({
          sub: account.id,
          name: account.name,
          email: account.email,
          email_verified: true,
          ...(account.tenant ? { tenant: account.tenant } : {}),
        }),
      };
    },
    // First-party clients configured by the operator: the console never asks admins for consent.
    loadExistingGrant: async (ctx) => {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId || oidc.session!.grantIdFor(oidc.client!.clientId);
      if (grantId) return oidc.provider.Grant.find(grantId);
      if (oidc.client!.gatehouse_role !== 'support-console') return undefined;
      const grant = new oidc.provider.Grant({ clientId: oidc.client!.clientId, accountId: oidc.session!.accountId });
      grant.addOIDCScope(String(oidc.client!.scope ?? 'openid'));
      await grant.save();
      return grant;
    },
    extraTokenClaims: async (ctx, token) => {
      // Claims a grant attached to the token it minted (the token exchange's act and
      // impersonation): setting token.extra directly is overwritten (OIDC-PROVIDER-NOTES).
      const attached = (token as { gatehouseClaims?: Record<string, unknown> }).gatehouseClaims;
      if (attached) return attached;
      // Record how the subject authenticated on its access tokens (issue: acr/amr/auth_time
      // readable by the token's holder and by the token exchange).
      const source = ctx?.oidc?.entities?.AuthorizationCode ?? ctx?.oidc?.entities?.RefreshToken;
      if (!source) return undefined;
      return { acr: source.acr, amr: source.amr, auth_time: source.authTime };
    },
    renderError: renderPages.error,
  };

  provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy > 0;
  provider.maxIpsCount = config.trustProxy;
  // PROTOCOL §11: client secrets are kept as hashes, so the provider's comparison (its one
  // place for client_secret_basic and _post alike) asks the runtime view instead.
  (provider.Client.prototype as { compareClientSecret(this: { clientId: string }, actual: string): Promise<boolean> }).compareClientSecret = async function (actual) {
    return tenancy.checkClientSecret(this.clientId, actual);
  };
  memoizeClientLookup(provider, () => tenancy.view());
  return provider;
}

export { answerStructuredTokens, type StructuredTokenHandlers } from './structured-tokens.js';
export type { Provider };
