/**
 * Stands in for the TLS terminator of a production deployment on loopback. Gatehouse runs
 * with an `https://` issuer (production refuses anything else) behind a proxy that has
 * already taken TLS off: requests reach it over plain HTTP with `X-Forwarded-Proto: https`.
 * This routes this process's `fetch` calls for that one origin to the plain-HTTP address
 * (adding the header when no real proxy in between sets it), so openid-client and the
 * test's HTTP agent talk to the issuer exactly as its https URLs say.
 */
export interface LoopbackTls {
  /** Puts the original fetch back. */
  restore(): void;
}

export function terminateTlsFor(
  httpsOrigin: string,
  options: { plainOrigin?: string; forwardedProto?: boolean } = {},
): LoopbackTls {
  const from = new URL(httpsOrigin);
  if (from.protocol !== 'https:') throw new Error(`${httpsOrigin} is not an https origin`);
  const to = new URL(options.plainOrigin ?? `http://${from.host}`);
  const original = globalThis.fetch;
  const wrapped: typeof fetch = (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.origin !== from.origin) return original(request);
    url.protocol = to.protocol;
    url.host = to.host;
    const headers = new Headers(request.headers);
    // The Host the issuer is known by, as a load balancer passes it on.
    headers.set('host', from.host);
    if (options.forwardedProto !== false) headers.set('x-forwarded-proto', 'https');
    return original(new Request(url, { method: request.method, headers, body: request.body, redirect: request.redirect, signal: request.signal, duplex: 'half' } as RequestInit));
  };
  globalThis.fetch = wrapped;
  return {
    restore() {
      if (globalThis.fetch === wrapped) globalThis.fetch = original;
    },
  };
}
