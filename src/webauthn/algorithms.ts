/**
 * The COSE algorithms (RFC 9053) a passkey may use: EdDSA, ES256, RS256, which every platform
 * authenticator offers. Named here, not left to @simplewebauthn's default, because the default
 * asks Node whether post-quantum ML-DSA is available, and that question prints two
 * ExperimentalWarning lines on Node 24. Registration offers and accepts exactly these.
 */
export const SUPPORTED_ALGORITHM_IDS = [-8, -7, -257];
