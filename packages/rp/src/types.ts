import type { JWTVerifyGetKey } from 'jose';

/**
 * The claims of a verified impersonation access token: an RFC 9068 JWT with the RFC 8693
 * `act` claim and Gatehouse's `impersonation` claim (PROTOCOL.md §3 step 5).
 */
export interface ImpersonationClaims {
  /** The impersonated user's id. */
  sub: string;
  /** The tenant origin(s) the token is for; contains this app's origin. */
  aud: string | string[];
  /** The tenant client that redeemed the ticket (`client_id`). */
  clientId: string;
  /** Space-separated scopes (`''` when the token carries none). */
  scope: string;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Expires at, seconds since the epoch. */
  exp: number;
  /** Unique token id. */
  jti: string;
  /** RFC 8693 §4.1 actor: the support admin acting as the user. */
  act: { sub: string };
  /**
   * The impersonation session, the reason the admin gave and, when Gatehouse sends it, how this
   * tenant may name the admin (`actor_display`: a display name, an email or a team label),
   * and under the two-person rule the second admin who approved it (`approved_by`, an id).
   */
  impersonation: { sid: string; reason: string; actor_display?: string; approved_by?: string };
}

/** Options of {@link verifyImpersonationToken}. */
export interface VerifyImpersonationTokenOptions {
  /** Gatehouse's issuer URL, exactly as in its discovery document. */
  issuer: string;
  /** This app's own origin, e.g. `https://app.acme.com`; the token's `aud` must contain it. */
  audience: string;
  /**
   * Key resolver; defaults to a remote JWKS from the issuer's discovery `jwks_uri`, cached per
   * `jwks_uri`. Pass `createLocalJWKSet(...)` to pin keys.
   */
  jwks?: JWTVerifyGetKey;
  /** Leeway for `exp`, `iat` and `nbf` in seconds (default 5). */
  clockToleranceSeconds?: number;
}

/** How the tenant app authenticates to Gatehouse (`client_secret_basic`, RFC 6749 §2.3.1). */
export interface ClientCredentials {
  /** Gatehouse's issuer URL. */
  issuer: string;
  /** The tenant client's id. */
  clientId: string;
  /** The tenant client's secret. */
  clientSecret: string;
}

/** Options of {@link redeemTicket}. */
export interface RedeemTicketOptions
  extends ClientCredentials,
    Pick<VerifyImpersonationTokenOptions, 'jwks' | 'clockToleranceSeconds'> {
  /** This app's own origin; the issued token's `aud` must contain it. */
  audience: string;
}

/** What {@link redeemTicket} returns. */
export interface RedeemedImpersonation {
  /** The impersonation access token (an RFC 9068 JWT). Keep it server-side or in an httpOnly cookie. */
  accessToken: string;
  /** Lifetime in seconds from the token response (`expires_in`). */
  expiresIn: number;
  /** Granted scopes, space-separated. */
  scope: string;
  /** The verified claims of `accessToken`. */
  claims: ImpersonationClaims;
}

/** RFC 7662 §2.2 introspection response, with the members Gatehouse adds for impersonation. */
export interface IntrospectionResponse {
  active: boolean;
  sub?: string;
  aud?: string | string[];
  client_id?: string;
  scope?: string;
  exp?: number;
  iat?: number;
  act?: { sub: string };
  impersonation?: { sid: string; reason?: string; actor_display?: string; approved_by?: string };
  [member: string]: unknown;
}

/** The endpoints the kit reads from OpenID Connect Discovery 1.0 §3 / RFC 8414 §2. */
export interface IssuerMetadata {
  issuer: string;
  token_endpoint: string;
  introspection_endpoint: string;
  revocation_endpoint: string;
  jwks_uri: string;
  /** Gatehouse's activity report endpoint (absent from Gatehouse versions without it). */
  impersonation_activity_endpoint?: string;
}

/** The claims of a verified back-channel logout token (OpenID Connect Back-Channel Logout 1.0 §2.4). */
export interface LogoutTokenClaims {
  iss: string;
  aud: string | string[];
  iat: number;
  exp: number;
  /** Unique token id; the kit refuses one it already accepted. */
  jti: string;
  /** The user whose session ended (for an impersonation: the impersonated user). */
  sub?: string;
  /** The session that ended (for an impersonation: its `impersonation.sid`). */
  sid?: string;
}

/** Options of {@link verifyLogoutToken}. */
export interface VerifyLogoutTokenOptions extends Pick<VerifyImpersonationTokenOptions, 'issuer' | 'jwks' | 'clockToleranceSeconds'> {
  /** This app's client id; the token's `aud` must contain it. */
  clientId: string;
  /** Refuse tokens issued longer ago than this, in seconds (default 120). */
  maxAgeSeconds?: number;
}

/** One request made during an impersonation, as the kit reports it to Gatehouse (never a body or a query). */
export interface ActivityEntry {
  /** Upper-case HTTP method. */
  method: string;
  /** The path, without query or fragment. */
  path: string;
  /** The route pattern that answered (`/invoices/:id`), when the framework knows it. */
  route?: string;
  /** The app's HTTP status. */
  status: number;
  /** When the request arrived, ms since the epoch. */
  at: number;
  /** A guard (`forbidWhileImpersonating`) refused it. */
  blocked: boolean;
}
