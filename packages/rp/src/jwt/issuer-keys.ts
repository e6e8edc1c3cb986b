import { createRemoteJWKSet, errors, type JWTVerifyGetKey, type RemoteJWKSet } from 'jose';
import { HTTP_TIMEOUT_MS } from '../constants.js';
import { discover } from '../discovery/discover.js';
import { GatehouseRpError } from '../errors.js';

/** One remote key set per `jwks_uri`, so its cache and cooldown are shared by every verification. */
const keySets = new Map<string, RemoteJWKSet>();

/**
 * The default key resolver: the issuer's JWKS from discovery's `jwks_uri`, cached by jose
 * (re-fetched when an unknown `kid` shows up, at most every 30 s, so key rotation just works).
 * Discovery happens on first use, after jose has parsed the header and checked `alg`: a
 * malformed token is `token_malformed` even when Gatehouse is down.
 */
export function issuerKeys(issuer: string): JWTVerifyGetKey {
  return async (header, token) => {
    const { jwks_uri } = await discover(issuer);
    let keySet = keySets.get(jwks_uri);
    if (!keySet) {
      keySet = createRemoteJWKSet(new URL(jwks_uri), { timeoutDuration: HTTP_TIMEOUT_MS });
      keySets.set(jwks_uri, keySet);
    }
    try {
      return await keySet(header, token);
    } catch (cause) {
      throw keySetFailure(cause, jwks_uri);
    }
  };
}

/** A key lookup that failed for want of keys, not because of the token, is the issuer's problem. */
function keySetFailure(cause: unknown, jwksUri: string): unknown {
  if (cause instanceof errors.JWKSInvalid) {
    return new GatehouseRpError('issuer_bad_response', `JWKS at ${jwksUri} is not a valid JSON Web Key Set`, { cause });
  }
  // jose reports a non-200 answer with the base JOSEError; fetch failures are not JOSE errors.
  if (cause instanceof errors.JWKSTimeout || !(cause instanceof errors.JOSEError) || cause.code === 'ERR_JOSE_GENERIC') {
    return new GatehouseRpError('issuer_unreachable', `JWKS at ${jwksUri} could not be fetched`, { cause });
  }
  return cause;
}
