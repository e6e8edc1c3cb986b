import { GatehouseRpError } from '../errors.js';
import { isObject, requestGatehouse } from '../http/request.js';
import type { IssuerMetadata } from '../types.js';

/** Metadata is re-read after this long, so a redeployed Gatehouse is picked up without a restart. */
const DISCOVERY_TTL_MS = 10 * 60_000;

const cache = new Map<string, { metadata: Promise<IssuerMetadata>; fetchedAt: number }>();

const ENDPOINTS = ['token_endpoint', 'introspection_endpoint', 'revocation_endpoint', 'jwks_uri'] as const;
/** Read when present: a Gatehouse without it only makes activity reports fail. */
const OPTIONAL_ENDPOINTS = ['impersonation_activity_endpoint'] as const;

/**
 * Reads Gatehouse's OpenID Connect Discovery 1.0 document (`<issuer>/.well-known/openid-configuration`)
 * and returns the endpoints the kit uses. Results are cached per issuer for ten minutes; a failed
 * read is not cached.
 *
 * Throws {@link GatehouseRpError} `issuer_unreachable` (network, timeout, 5xx) or
 * `issuer_bad_response` (not JSON, a missing endpoint, an endpoint on another origin than the
 * issuer's, or an `issuer` that differs from the one asked for, which OIDC Discovery §4.3 forbids).
 *
 * @example
 * ```ts
 * const { token_endpoint, jwks_uri } = await discover('https://login.example.com');
 * ```
 */
export function discover(issuer: string): Promise<IssuerMetadata> {
  const hit = cache.get(issuer);
  if (hit && Date.now() - hit.fetchedAt < DISCOVERY_TTL_MS) return hit.metadata;
  const metadata = fetchMetadata(issuer);
  cache.set(issuer, { metadata, fetchedAt: Date.now() });
  metadata.catch(() => {
    if (cache.get(issuer)?.metadata === metadata) cache.delete(issuer);
  });
  return metadata;
}

async function fetchMetadata(issuer: string): Promise<IssuerMetadata> {
  // OIDC Discovery §4: a terminating "/" of the issuer is removed before appending the path.
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const { status, body } = await requestGatehouse(url, { method: 'GET' }, 'discovery');
  if (status !== 200 || !isObject(body)) {
    throw new GatehouseRpError('issuer_bad_response', `discovery: expected 200 with a JSON object from ${url}, got ${status}`, {
      status,
    });
  }
  // OIDC Discovery §4.3: the document's issuer must be identical to the one it was fetched for.
  if (body.issuer !== issuer) {
    throw new GatehouseRpError(
      'issuer_bad_response',
      `discovery: document names issuer ${JSON.stringify(body.issuer)}, expected ${JSON.stringify(issuer)}`,
    );
  }
  const metadata: Partial<IssuerMetadata> = { issuer };
  const issuerOrigin = new URL(issuer).origin;
  for (const name of [...ENDPOINTS, ...OPTIONAL_ENDPOINTS]) {
    const value = body[name];
    if (value === undefined && (OPTIONAL_ENDPOINTS as readonly string[]).includes(name)) continue;
    if (typeof value !== 'string' || !/^https?:\/\//.test(value) || !URL.canParse(value)) {
      throw new GatehouseRpError('issuer_bad_response', `discovery: ${name} is missing or not an http(s) URL`);
    }
    // The client secret, tickets and tokens go to these endpoints: never to another origin than
    // the configured issuer's, whoever wrote the document (a forged Host header, a proxy).
    if (new URL(value).origin !== issuerOrigin) {
      throw new GatehouseRpError(
        'issuer_bad_response',
        `discovery: ${name} ${JSON.stringify(value)} leaves the issuer's origin ${issuerOrigin}`,
      );
    }
    metadata[name] = value;
  }
  return metadata as IssuerMetadata;
}
