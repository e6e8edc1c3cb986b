/**
 * Generated malformed requests (fast-check) for the fuzz suite: random and boundary
 * parameters, duplicates, huge bodies, wrong content types, broken JWTs, tickets and
 * cookies, against the token, introspection, revocation, userinfo, interaction, console
 * and account endpoints. Real material (tokens, cookies, CSRF tokens, an interaction
 * uid) is mixed in, whole or damaged, so requests get past the first checks.
 */
import fc from 'fast-check';

export interface Material {
  uid: string;
  clients: { id: string; secret: string }[];
  tokens: string[];
  tickets: string[];
  cookies: string[];
  csrf: string[];
  sids: string[];
  userIds: string[];
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const PARAMS = (
  'grant_type client_id client_secret code redirect_uri code_verifier refresh_token scope audience resource ' +
  'subject_token subject_token_type actor_token actor_token_type requested_token_type reason duration token ' +
  'token_type_hint email password csrf handle response mode user tenant state nonce response_type prompt max_age ' +
  'acr_values code_challenge code_challenge_method q page sid name access_code consent before type id_token_hint'
).split(' ');

const TYPES = [
  'urn:ietf:params:oauth:token-type:access_token',
  'urn:gatehouse:token-type:user-id',
  'urn:gatehouse:token-type:impersonation-ticket',
  'urn:gatehouse:token-type:support-access-code',
  'urn:ietf:params:oauth:token-type:jwt',
  'urn:ietf:params:oauth:grant-type:token-exchange',
];

const b64 = (s: string) => Buffer.from(s).toString('base64url');

/** A damaged copy of a real value: cut, flipped, doubled or padded. */
const damaged = (real: string[]) =>
  fc.tuple(fc.constantFrom(...real), fc.nat(), fc.constantFrom('cut', 'flip', 'double', 'pad', 'case')).map(([v, n, how]) => {
    const i = v.length ? n % v.length : 0;
    if (how === 'cut') return v.slice(0, i);
    if (how === 'flip') return `${v.slice(0, i)}${v[i] === 'A' ? 'B' : 'A'}${v.slice(i + 1)}`;
    if (how === 'double') return `${v}${v}`;
    if (how === 'pad') return `${v}${'='.repeat((n % 4) + 1)}`;
    return v.toUpperCase();
  });

const brokenJwt = fc.oneof(
  fc.tuple(fc.json(), fc.json(), fc.string()).map(([h, p, s]) => `${b64(h)}.${b64(p)}.${b64(s)}`),
  fc.json().map((p) => `${b64('{"alg":"none","typ":"at+jwt"}')}.${b64(p)}.`),
  fc.array(fc.base64String(), { maxLength: 5 }).map((parts) => parts.join('.')),
);

function values(m: Material): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.integer().map(String) },
    {
      weight: 2,
      arbitrary: fc.constantFrom('', ' ', '0', '-1', '1e309', 'NaN', 'null', 'true', '[]', '{}', '%00', '%zz', '\u202e', '../..', '<script>', 'a'.repeat(5000), '💥'.repeat(300), 'client_credentials', 'authorization_code', 'refresh_token', ...TYPES),
    },
    { weight: 2, arbitrary: brokenJwt },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{43}$/) },
    { weight: 2, arbitrary: fc.constantFrom(...m.tokens, ...m.tickets, ...m.userIds, ...m.sids, ...m.csrf, m.uid) },
    { weight: 2, arbitrary: damaged([...m.tokens, ...m.tickets, ...m.csrf, m.uid]) },
  );
}

function fields(m: Material): fc.Arbitrary<[string, string][]> {
  const name = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...PARAMS) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });
  return fc.array(fc.tuple(name, values(m)), { maxLength: 8 });
}

const encodeForm = (pairs: [string, string][]) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

function body(m: Material): fc.Arbitrary<{ type?: string; body: string }> {
  return fc.oneof(
    { weight: 6, arbitrary: fields(m).map((f) => ({ type: 'application/x-www-form-urlencoded', body: encodeForm(f) })) },
    { weight: 2, arbitrary: fields(m).map((f) => ({ type: 'application/json', body: JSON.stringify(Object.fromEntries(f)) })) },
    { weight: 1, arbitrary: fc.json().map((j) => ({ type: 'application/json', body: j })) },
    { weight: 1, arbitrary: fields(m).map((f) => ({ type: 'application/x-www-form-urlencoded', body: f.map(([k, v]) => `${k}=${v}`).join('&') })) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom('text/plain', 'multipart/form-data; boundary=x', 'application/xml', 'application/x-www-form-urlencoded; charset=utf-16', 'application/json; charset=latin1', '*/*', 'x'), fc.string({ maxLength: 200 })).map(([type, b]) => ({ type, body: b })),
    },
    { weight: 1, arbitrary: fields(m).map((f) => ({ body: encodeForm(f) })) },
    // Huge: past every body limit.
    { weight: 1, arbitrary: fc.constantFrom(256 * 1024, 1024 * 1024, 3 * 1024 * 1024).map((n) => ({ type: 'application/x-www-form-urlencoded', body: `grant_type=${'x'.repeat(n)}` })) },
  );
}

const visible = fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x21-\x7e]/g, ''));

function headers(m: Material): fc.Arbitrary<Record<string, string>> {
  const client = fc.constantFrom(...m.clients);
  const authorization = fc.oneof(
    fc.constant(undefined),
    client.map((c) => `Basic ${Buffer.from(`${c.id}:${c.secret}`).toString('base64')}`),
    fc.tuple(client, visible).map(([c, s]) => `Basic ${Buffer.from(`${c.id}:${s}`).toString('base64')}`),
    visible.map((s) => `Basic ${s}`),
    fc.constantFrom(...m.tokens).map((t) => `Bearer ${t}`),
    damaged(m.tokens).map((t) => `Bearer ${t.replace(/[^\x21-\x7e]/g, '')}`),
    visible.map((s) => `Bearer ${s}`),
    fc.constantFrom('Bearer', 'Basic', 'Digest x', 'bearer  a b'),
  );
  const cookie = fc.oneof(
    fc.constant(undefined),
    fc.constantFrom(...m.cookies),
    damaged(m.cookies).map((c) => c.replace(/[^\x20-\x7e]/g, '')),
    fc.array(fc.tuple(visible, visible), { maxLength: 4 }).map((p) => p.map(([k, v]) => `${k.replace(/[=;]/g, '')}=${v.replace(/;/g, '')}`).join('; ')),
  );
  const csrf = fc.oneof(fc.constant(undefined), fc.constantFrom(...m.csrf), visible);
  return fc.record({ authorization, cookie, csrf, accept: fc.constantFrom('application/json', 'text/html', '*/*', 'x/y') }).map((h) => {
    const out: Record<string, string> = { accept: h.accept };
    if (h.authorization !== undefined) out.authorization = h.authorization;
    if (h.cookie !== undefined) out.cookie = h.cookie;
    if (h.csrf !== undefined) out['x-csrf-token'] = h.csrf;
    return out;
  });
}

/** The endpoints under test, as [method, path] with `:uid` and `:sid` filled in per request. */
const ENDPOINTS: [string, string][] = [
  ['POST', '/token'], ['POST', '/token'], ['POST', '/token'], ['POST', '/token/introspection'], ['POST', '/token/revocation'],
  ['GET', '/me'], ['POST', '/me'], ['GET', '/auth'],
  ['GET', '/interaction/:uid'], ['POST', '/interaction/:uid/login'], ['POST', '/interaction/:uid/confirm'], ['GET', '/interaction/:uid/abort'],
  ['POST', '/interaction/:uid/passkey/options'], ['POST', '/interaction/:uid/passkey/verify'],
  ['GET', '/admin'], ['GET', '/admin/login'], ['GET', '/admin/stepup'], ['GET', '/admin/callback'], ['GET', '/admin/users'],
  ['GET', '/admin/impersonate'], ['POST', '/admin/impersonate'], ['GET', '/admin/impersonate/continue'], ['GET', '/admin/sessions'],
  ['POST', '/admin/sessions/:sid/end'], ['GET', '/admin/audit'], ['GET', '/admin/notifications'], ['POST', '/admin/notifications/:sid/retry'],
  ['GET', '/admin/passkeys'], ['POST', '/admin/passkeys/options'], ['POST', '/admin/passkeys/verify'],
  ['GET', '/account'], ['POST', '/account/login'], ['POST', '/account/passkey/options'], ['POST', '/account/passkey/verify'],
  ['GET', '/account/passkeys'], ['POST', '/account/passkeys/options'], ['POST', '/account/support-access/consent'],
  ['POST', '/account/support-access/code'], ['POST', '/account/support-access/sessions/:sid/end'],
  ['POST', '/impersonation/activity'],
];

export function fuzzRequests(m: Material): fc.Arbitrary<FuzzRequest> {
  const segment = fc.oneof(fc.constantFrom(m.uid, ...m.sids), damaged([m.uid, ...m.sids]), visible, fc.constantFrom('%zz', '%00', 'a'.repeat(3000)));
  return fc
    .record({ endpoint: fc.constantFrom(...ENDPOINTS), seg: segment, query: fields(m), body: body(m), headers: headers(m) })
    .map(({ endpoint: [method, template], seg, query, body: b, headers: h }) => {
      const filled = template.replace(/:uid|:sid/, encodeURIComponent(seg).replace(/%25(zz|00)/g, '%$1') || 'x');
      const path = method === 'GET' && query.length ? `${filled}?${encodeForm(query)}` : filled;
      if (method === 'GET') return { method, path, headers: h };
      return { method, path, headers: { ...h, ...(b.type ? { 'content-type': b.type } : {}) }, body: b.body };
    });
}
