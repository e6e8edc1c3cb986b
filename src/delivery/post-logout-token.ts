/**
 * One back-channel logout request (OpenID Connect Back-Channel Logout 1.0 §2.5): POST
 * `logout_token=<JWT>` as a form to the client's `backchannel_logout_uri`; 200 or 204 is
 * success (§2.8), anything else, a redirect, a timeout or a network error is a failure the
 * queue retries.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export const LOGOUT_DELIVERY_TIMEOUT_MS = 10_000;

export class LogoutDeliveryError extends Error {
  override readonly name = 'LogoutDeliveryError';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * RFC 6761 §6.3: names under `localhost.` are loopback, whatever the system resolver says
 * (glibc without nss-myhostname answers ENOTFOUND for `acme.localhost`, which the demo
 * tenant apps use; browsers resolve them themselves). Everything else resolves as usual.
 */
function lookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
    return;
  }
  dnsLookup(hostname, options, callback as never);
}

export function postLogoutToken(uri: string, logoutToken: string): Promise<void> {
  const url = new URL(uri);
  const body = new URLSearchParams({ logout_token: logoutToken }).toString();
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        lookup,
        timeout: LOGOUT_DELIVERY_TIMEOUT_MS,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'Gatehouse-Backchannel-Logout/1',
          // §2.5: the logout token is the request's only credential; nothing to cache.
          'cache-control': 'no-store',
        },
      },
      (res: IncomingMessage) => {
        res.resume();
        const status = res.statusCode ?? 0;
        if (status === 200 || status === 204) resolve();
        else reject(new LogoutDeliveryError(`HTTP ${status}`));
      },
    );
    req.on('timeout', () => req.destroy(new LogoutDeliveryError(`no answer within ${LOGOUT_DELIVERY_TIMEOUT_MS} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(error instanceof LogoutDeliveryError ? error : new LogoutDeliveryError(`network error: ${error.code ?? error.message}`)),
    );
    req.end(body);
  });
}
