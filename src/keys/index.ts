/**
 * Signing keys: the only place that generates, reads and checks the private JWKS (jose).
 * The OIDC layer takes `keys` from `loadSigningKeys` as oidc-provider's `jwks`.
 */
export { KeysError, type KeysErrorCode } from './errors.js';
export {
  AUDIT_ALG,
  DEV_KID_PREFIX,
  generateAuditKey,
  type GenerateJwksOptions,
  generateJwks,
  type PrivateJwks,
  SIGNING_ALGS,
  type SigningAlg,
} from './generateJwks.js';
export {
  DEFAULT_DEV_KEYS_PATH,
  type LoadSigningKeysOptions,
  loadSigningKeys,
  type SigningKeys,
} from './loadSigningKeys.js';
export { validatePrivateJwks } from './validateJwks.js';
export { createTokenVerifier, isStructuredToken, looksLikeJwt, peekClaims, type TokenVerifier } from './createTokenVerifier.js';
