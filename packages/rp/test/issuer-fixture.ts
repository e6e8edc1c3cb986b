/**
 * A tiny stand-in for Gatehouse on 127.0.0.1: discovery, JWKS (an ES256 and an RS256 key),
 * and token / introspection / revocation endpoints whose behaviour each test controls.
 * It speaks only the wire contract of PROTOCOL.md §3, nothing of the real server's code.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

export const CLIENT_ID = 'acme app:1'; // a space and a colon: exercises RFC 6749 §2.3.1 form-encoding
export const CLIENT_SECRET = 'sëcret:with/odd+chars';

export interface Reply {
  status: number;
  body?: unknown;
}

export interface SeenRequest {
  path: string;
  method: string;
  authorization: string | undefined;
  contentType: string | undefined;
  params: URLSearchParams;
}

export interface IssuerFixture {
  issuer: string;
  /** The `aud` tokens are minted with unless a ticket says otherwise. */
  audience: string;
  esKey: CryptoKey;
  rsKey: CryptoKey;
  requests: SeenRequest[];
  /** Tokens the revocation endpoint received. */
  revoked: string[];
  /** Sessions introspection reports inactive. */
  endedSids: Set<string>;
  /** Replace to control the token endpoint; `undefined` uses the default ticket behaviour. */
  onToken?: (params: URLSearchParams) => Reply | Promise<Reply>;
  /** Replace to change the discovery document before it is served. */
  onDiscovery?: (document: Record<string, unknown>) => Record<string, unknown>;
  /** Replace to control introspection; `undefined` answers from `revoked` and `endedSids`. */
  onIntrospect?: (params: URLSearchParams) => Reply | Promise<Reply>;
  /** Claims of a valid impersonation token, with overrides (undefined values delete the claim). */
  claims(overrides?: Record<string, unknown>): JWTPayload;
  /** Signs claims as Gatehouse would: ES256, kid "es-1", typ at+jwt, unless overridden. */
  sign(claims: JWTPayload, header?: Record<string, unknown>, key?: CryptoKey): Promise<string>;
  /** A fresh one-time ticket; redeeming it yields a token with these claim overrides. */
  addTicket(overrides?: Record<string, unknown>): string;
  hits(path: string): number;
  close(): Promise<void>;
}

const now = () => Math.floor(Date.now() / 1000);

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
}

/** RFC 6749 §2.3.1: the Basic credentials are form-encoded id and secret. */
function clientAuthenticated(authorization: string | undefined): boolean {
  if (!authorization?.startsWith('Basic ')) return false;
  const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
  const [id = '', secret = ''] = decoded.split(':');
  const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  return formDecode(id) === CLIENT_ID && formDecode(secret) === CLIENT_SECRET;
}

export async function startIssuer(): Promise<IssuerFixture> {
  const es = await generateKeyPair('ES256');
  const rs = await generateKeyPair('RS256');
  const jwks = {
    keys: [
      { ...(await exportJWK(es.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
      { ...(await exportJWK(rs.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' },
    ],
  };
  const tickets = new Map<string, Record<string, unknown>>();
  const hitCount = new Map<string, number>();

  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hitCount.set(path, (hitCount.get(path) ?? 0) + 1);
    if (path === '/.well-known/openid-configuration') {
      const document = {
        issuer: fixture.issuer,
        token_endpoint: `${fixture.issuer}/token`,
        introspection_endpoint: `${fixture.issuer}/token/introspection`,
        revocation_endpoint: `${fixture.issuer}/token/revocation`,
        jwks_uri: `${fixture.issuer}/jwks`,
      };
      return send(res, { status: 200, body: fixture.onDiscovery ? fixture.onDiscovery(document) : document });
    }
    if (path === '/jwks') return send(res, { status: 200, body: jwks });
    const params = new URLSearchParams(await readBody(req));
    fixture.requests.push({
      path,
      method: req.method ?? '',
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      params,
    });
    if (!clientAuthenticated(req.headers.authorization)) {
      return send(res, { status: 401, body: { error: 'invalid_client', error_description: 'client authentication failed' } });
    }
    if (path === '/token') return send(res, await (fixture.onToken ?? redeem)(params));
    if (path === '/token/introspection') return send(res, await (fixture.onIntrospect ?? introspect)(params));
    if (path === '/token/revocation') {
      fixture.revoked.push(params.get('token') ?? '');
      return send(res, { status: 200 });
    }
    send(res, { status: 404, body: { error: 'not_found' } });
  });

  // PROTOCOL.md §3 step 4: the first presentation consumes the ticket, whatever happens next.
  async function redeem(params: URLSearchParams): Promise<Reply> {
    const ticket = params.get('subject_token') ?? '';
    const overrides = tickets.get(ticket);
    tickets.delete(ticket);
    if (!overrides) {
      return { status: 400, body: { error: 'invalid_request', error_description: 'ticket unknown, expired, or already presented' } };
    }
    const claims = fixture.claims(overrides);
    return {
      status: 200,
      body: {
        access_token: await fixture.sign(claims),
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        token_type: 'Bearer',
        expires_in: Number(claims.exp) - now(),
        scope: claims.scope,
      },
    };
  }

  function introspect(params: URLSearchParams): Reply {
    const token = params.get('token') ?? '';
    const [, payload = ''] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JWTPayload & {
      impersonation?: { sid: string };
    };
    const ended = fixture.revoked.includes(token) || fixture.endedSids.has(claims.impersonation?.sid ?? '');
    return { status: 200, body: ended ? { active: false } : { active: true, ...claims } };
  }

  const fixture: IssuerFixture = {
    issuer: '',
    audience: 'https://app.acme.example',
    esKey: es.privateKey,
    rsKey: rs.privateKey,
    requests: [],
    revoked: [],
    endedSids: new Set(),
    claims(overrides = {}) {
      const claims: Record<string, unknown> = {
        iss: fixture.issuer,
        sub: 'user-42',
        aud: fixture.audience,
        client_id: CLIENT_ID,
        iat: now(),
        exp: now() + 600,
        jti: randomUUID(),
        scope: 'openid profile',
        act: { sub: 'admin-7' },
        impersonation: { sid: `sid-${randomUUID()}`, reason: 'ZD-1234: cannot see invoices' },
        ...overrides,
      };
      for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
      return claims;
    },
    sign(claims, header = {}, key = es.privateKey) {
      return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'es-1', typ: 'at+jwt', ...header }).sign(key);
    },
    addTicket(overrides = {}) {
      const ticket = randomBytes(32).toString('base64url');
      tickets.set(ticket, overrides);
      return ticket;
    },
    hits: (path) => hitCount.get(path) ?? 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fixture.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fixture;
}
