/**
 * Lets `fetch` reach `http://<name>.localhost:<port>` in tests. Browsers resolve `*.localhost`
 * to loopback themselves (RFC 6761 §6.3), but Node asks the system resolver, and glibc here
 * answers ENOTFOUND; undici's fetch also refuses to send a `Host` header of our choosing. So for
 * those URLs only, the request goes over node:http to 127.0.0.1 with the URL's host as `Host`,
 * which is exactly what a browser would send. Every other URL goes to the real fetch.
 */
import { request } from 'node:http';

async function bodyOf(init: RequestInit | undefined): Promise<Buffer | undefined> {
  const body = init?.body;
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof URLSearchParams) return Buffer.from(String(body));
  return Buffer.from(await new Response(body).arrayBuffer());
}

async function viaLoopback(url: URL, init: RequestInit | undefined): Promise<Response> {
  const headers = Object.fromEntries(new Headers(init?.headers));
  const body = await bodyOf(init);
  if (body) headers['content-length'] = String(body.length);
  const method = init?.method ?? 'GET';
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: url.port || 80, path: `${url.pathname}${url.search}`, method, headers: { ...headers, host: url.host } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const out = new Headers();
          for (let i = 0; i < res.rawHeaders.length; i += 2) out.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
          const status = res.statusCode ?? 500;
          const empty = method === 'HEAD' || status === 204 || status === 304;
          resolve(new Response(empty ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: out }));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Routes `*.localhost` requests of the global fetch to loopback; returns the undo. */
export function routeSubdomainsToLoopback(): () => void {
  const original = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.protocol !== 'http:' || !url.hostname.endsWith('.localhost')) return original(input, init);
    if (input instanceof Request) throw new TypeError('subdomain fetch: pass a URL and init, not a Request');
    return viaLoopback(url, init);
  };
  return () => {
    globalThis.fetch = original;
  };
}
