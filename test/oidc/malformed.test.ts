/**
 * Malformed requests to every endpoint of a running Gatehouse (real redis-server): missing,
 * duplicated, oversized and wrong-typed parameters, bad content types, bad Authorization
 * headers, wrong methods, unknown paths, invalid UTF-8 and percent-encoding. Each must be
 * answered with a 4xx (or a documented 2xx, e.g. RFC 7009 §2.2 revocation of an unknown
 * token), never a 5xx, never a hang, and OAuth endpoints answer RFC 6749 §5.2 JSON.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { formFields, HttpAgent } from '../helpers/http-agent.js';
import { oidc } from '../helpers/oidc-flow.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { tenantOrigin } from '../helpers/ports.js';

const ACME = tenantOrigin('acme');
const GLOBEX = tenantOrigin('globex');
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const T = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  userId: 'urn:gatehouse:token-type:user-id',
  ticket: 'urn:gatehouse:token-type:impersonation-ticket',
};
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const CONSOLE = basic('support-console', 'dev-console-secret');
const ACME_APP = basic('acme-app', 'dev-acme-secret');
const FORM = 'application/x-www-form-urlencoded';
const ONE_MB = 'a'.repeat(1024 * 1024);
const HUNDRED_KB = 'a'.repeat(100 * 1024);
/** Looks like a JWT (three base64url parts) but is no token at all. */
const FAKE_JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';

/** What the cases may use: a live interaction (its uid and browser), a real access token. */
interface Live {
  uid: string;
  agent: HttpAgent;
  csrf: string;
  accessToken: string;
}

type Body = string | Buffer | ((live: Live) => string);
type Fields = [string, string][];

interface Case {
  name: string;
  method?: string;
  /** Path (and query) on the issuer; a function to use the live interaction's uid. */
  path: string | ((live: Live) => string);
  headers?: Record<string, string> | ((live: Live) => Record<string, string>);
  body?: Body;
  /** Send the live interaction's cookies. */
  browser?: boolean;
  /** Send through node:http, which lets a case set Host and other headers fetch forbids. */
  raw?: boolean;
  /** Accepted statuses; default any 4xx. */
  expect?: number[];
  /** The answer must be an RFC 6749 §5.2 error body (for 4xx) . */
  oauth?: boolean;
}

/** A form body that keeps duplicates and raw (possibly invalid) encodings as written. */
function form(fields: Fields): string {
  return fields.map(([k, v]) => `${k}=${v}`).join('&');
}
const enc = (fields: Record<string, string>): Fields => Object.entries(fields).map(([k, v]) => [k, encodeURIComponent(v)]);

const post = (path: string, body: Body | undefined, headers: Record<string, string> = {}) => ({
  method: 'POST',
  path,
  body,
  headers: { 'content-type': FORM, ...headers },
});

/**
 * The same malformed-body family for each OAuth POST endpoint. `key` is the parameter the
 * endpoint cannot do without (grant_type, subject_token, token); junk in it answers
 * `junkKey` (400, or 200 where RFC 7662 §2.2 / RFC 7009 §2.2 say an unknown token is
 * simply inactive or revoked).
 */
function bodyCases(path: string, auth: string, good: Fields, key: string, junkKey: number[]): Case[] {
  const goodJson = JSON.stringify(Object.fromEntries(good.map(([k, v]) => [k, decodeURIComponent(v)])));
  const withKey = (raw: string, name = key) => form([...good.filter(([k]) => k !== key), [name, raw]]);
  return [
    { name: 'JSON body where a form is expected', ...post(path, goodJson, { 'content-type': 'application/json', authorization: auth }) },
    { name: 'invalid JSON with application/json', ...post(path, '{"grant_type": ', { 'content-type': 'application/json', authorization: auth }) },
    { name: 'JSON arrays and numbers', ...post(path, '{"grant_type":["a","b"],"token":7,"code":[1]}', { 'content-type': 'application/json', authorization: auth }) },
    { name: 'text/plain body', ...post(path, form(good), { 'content-type': 'text/plain', authorization: auth }) },
    {
      name: 'multipart garbage',
      ...post(path, '--xyz\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_credentials\r\n--xy', {
        'content-type': 'multipart/form-data; boundary=xyz',
        authorization: auth,
      }),
    },
    { name: 'no content type', ...post(path, form(good), { 'content-type': '', authorization: auth }) },
    // A urlencoded body is UTF-8 whatever it claims (WHATWG URL §5.1): a bogus charset may be ignored.
    { name: 'content type with a bogus charset', ...post(path, form(good), { 'content-type': `${FORM}; charset=klingon`, authorization: auth }), expect: [200, 400, 415] },
    { name: '1 MB body', ...post(path, `${form(good)}&x=${ONE_MB}`, { authorization: auth }) },
    // Over the provider's body limit: 400 `failed to parse the request body`.
    { name: `100 KB ${key}`, ...post(path, withKey(HUNDRED_KB), { authorization: auth }), expect: [...junkKey, 400, 413] },
    { name: `invalid percent-encoding in ${key}`, ...post(path, withKey('%zz%E0%A4%A'), { authorization: auth }), expect: junkKey },
    { name: `invalid UTF-8 (percent-encoded) in ${key}`, ...post(path, withKey('%ff%fe%c3'), { authorization: auth }), expect: junkKey },
    {
      name: `invalid UTF-8 (raw bytes) in ${key}`,
      ...post(path, Buffer.concat([Buffer.from(`${withKey('')}`), Buffer.from([0xff, 0xfe, 0xc3])]), { authorization: auth }),
      expect: junkKey,
    },
    { name: `bracketed array ${key}[]`, ...post(path, `${withKey('a', `${key}[]`)}&${key}[]=b`, { authorization: auth }) },
    { name: `${key} twice`, ...post(path, `${form(good)}&${key}=again`, { authorization: auth }) },
    { name: 'no Authorization and no client_id', ...post(path, form(good)) },
    { name: 'garbage Basic', ...post(path, form(good), { authorization: 'Basic !!!not-base64!!!' }) },
    { name: 'Basic without a colon', ...post(path, form(good), { authorization: `Basic ${Buffer.from('support-console').toString('base64')}` }) },
    { name: 'Basic with bad percent-encoding', ...post(path, form(good), { authorization: `Basic ${Buffer.from('%zz:%E0%A4%A').toString('base64')}` }) },
    { name: 'Basic with invalid UTF-8', ...post(path, form(good), { authorization: `Basic ${Buffer.from([0xff, 0x3a, 0xfe]).toString('base64')}` }) },
    { name: 'Basic with a wrong secret', ...post(path, form(good), { authorization: basic('acme-app', 'wrong') }) },
    { name: 'Basic with an unknown client', ...post(path, form(good), { authorization: basic('nobody', 'x') }) },
    { name: 'empty Basic', ...post(path, form(good), { authorization: 'Basic ' }) },
    { name: 'Bearer instead of client authentication', ...post(path, form(good), { authorization: 'Bearer abc' }) },
    {
      name: 'Basic and client_secret_post together',
      ...post(path, form([...good, ['client_id', 'acme-app'], ['client_secret', 'dev-acme-secret']]), { authorization: auth }),
    },
    { name: 'two client_id parameters', ...post(path, form([...good, ['client_id', 'acme-app'], ['client_id', 'acme-app'], ['client_secret', 'dev-acme-secret']])) },
    { name: 'GET instead of POST', method: 'GET', path: `${path}?${form(good)}`, headers: { authorization: auth } },
    { name: 'PUT', ...post(path, form(good), { authorization: auth }), method: 'PUT' },
    { name: 'DELETE', method: 'DELETE', path, headers: { authorization: auth } },
    { name: 'an unknown method', method: 'PROPFIND', path, headers: { authorization: auth } },
  ].map((c) => ({ ...c, name: `${path}: ${c.name}`, oauth: true }) as Case);
}

const tokenCases = (): Case[] => {
  const t = (name: string, auth: string | null, fields: Fields, extra: Partial<Case> = {}): Case => ({
    name: `/token: ${name}`,
    ...post('/token', form(fields), auth ? { authorization: auth } : {}),
    oauth: true,
    ...extra,
  });
  const mint = (over: Record<string, string> = {}) =>
    enc({
      grant_type: EXCHANGE,
      actor_token: 'not-a-real-token',
      actor_token_type: T.accessToken,
      subject_token: 'usr_unknown',
      subject_token_type: T.userId,
      audience: ACME,
      reason: 'Ticket #1: malformed request test',
      ...over,
    });
  const redeem = (over: Record<string, string> = {}) =>
    enc({ grant_type: EXCHANGE, subject_token: 'not-a-ticket', subject_token_type: T.ticket, requested_token_type: T.accessToken, ...over });
  const without = (fields: Fields, name: string) => fields.filter(([k]) => k !== name);
  return [
    t('empty body', ACME_APP, []),
    t('empty body, no client', null, []),
    t('missing grant_type', ACME_APP, enc({ scope: 'openid' })),
    t('unknown grant_type', ACME_APP, enc({ grant_type: 'urn:example:nope' })),
    t('grant_type as a number', ACME_APP, enc({ grant_type: '123' })),
    t('two grant_type', ACME_APP, [...enc({ grant_type: 'client_credentials' }), ...enc({ grant_type: 'client_credentials' })]),
    t('grant_type with invalid UTF-8', ACME_APP, [['grant_type', '%ff%fe']]),
    t('grant_type with invalid percent-encoding', ACME_APP, [['grant_type', '%E0%A4%A']]),
    t('implicit grant_type', ACME_APP, enc({ grant_type: 'implicit' })),
    t('password grant_type', ACME_APP, enc({ grant_type: 'password', username: 'bob@acme.test', password: 'bob-demo-pass' })),
    // authorization_code
    t('code: missing code', ACME_APP, enc({ grant_type: 'authorization_code', redirect_uri: `${ACME}/callback`, code_verifier: 'x'.repeat(43) })),
    t('code: garbage code', ACME_APP, enc({ grant_type: 'authorization_code', code: 'garbage', redirect_uri: `${ACME}/callback`, code_verifier: 'x'.repeat(43) })),
    t('code: two code', ACME_APP, [
      ...enc({ grant_type: 'authorization_code', code: 'a', redirect_uri: `${ACME}/callback`, code_verifier: 'x'.repeat(43) }),
      ['code', 'b'],
    ]),
    t('code: missing redirect_uri', ACME_APP, enc({ grant_type: 'authorization_code', code: 'garbage', code_verifier: 'x'.repeat(43) })),
    t('code: missing code_verifier', ACME_APP, enc({ grant_type: 'authorization_code', code: 'garbage', redirect_uri: `${ACME}/callback` })),
    t('code: 100 KB code', ACME_APP, enc({ grant_type: 'authorization_code', code: HUNDRED_KB, redirect_uri: `${ACME}/callback`, code_verifier: 'x'.repeat(43) })),
    t('code: code_verifier too short', ACME_APP, enc({ grant_type: 'authorization_code', code: 'garbage', redirect_uri: `${ACME}/callback`, code_verifier: 'x' })),
    t('code: redirect_uri not a URL', ACME_APP, enc({ grant_type: 'authorization_code', code: 'garbage', redirect_uri: '::::', code_verifier: 'x'.repeat(43) })),
    // refresh_token
    t('refresh: missing refresh_token', ACME_APP, enc({ grant_type: 'refresh_token' })),
    t('refresh: garbage refresh_token', ACME_APP, enc({ grant_type: 'refresh_token', refresh_token: 'garbage' })),
    t('refresh: JWT-shaped refresh_token', ACME_APP, enc({ grant_type: 'refresh_token', refresh_token: FAKE_JWT })),
    t('refresh: two refresh_token', ACME_APP, [...enc({ grant_type: 'refresh_token', refresh_token: 'a' }), ['refresh_token', 'b']]),
    t('refresh: 100 KB refresh_token', ACME_APP, enc({ grant_type: 'refresh_token', refresh_token: HUNDRED_KB })),
    // client_credentials
    // RFC 6749 §3.3: the server may issue fewer scopes than asked for; unknown ones are dropped.
    t('client_credentials: unknown scope', ACME_APP, enc({ grant_type: 'client_credentials', scope: 'root admin' }), { expect: [200, 400] }),
    t('client_credentials: resource not a URL', ACME_APP, enc({ grant_type: 'client_credentials', resource: 'not a url' })),
    t('client_credentials: resource with a fragment', ACME_APP, enc({ grant_type: 'client_credentials', resource: `${ACME}/#x` })),
    t('client_credentials: resource of another tenant', ACME_APP, enc({ grant_type: 'client_credentials', resource: GLOBEX })),
    t('client_credentials: two resources', ACME_APP, [...enc({ grant_type: 'client_credentials', resource: ACME }), ['resource', encodeURIComponent(GLOBEX)]]),
    t('client_credentials: two scope', ACME_APP, [...enc({ grant_type: 'client_credentials', scope: 'openid' }), ['scope', 'email']]),
    t('client_credentials: not allowed for the console', CONSOLE, enc({ grant_type: 'client_credentials' })),
    // token exchange, mint leg (support-console)
    t('exchange mint: nothing but grant_type', CONSOLE, enc({ grant_type: EXCHANGE })),
    t('exchange mint: missing subject_token', CONSOLE, without(mint(), 'subject_token')),
    t('exchange mint: missing subject_token_type', CONSOLE, without(mint(), 'subject_token_type')),
    t('exchange mint: missing actor_token', CONSOLE, without(mint(), 'actor_token')),
    t('exchange mint: missing actor_token_type', CONSOLE, without(mint(), 'actor_token_type')),
    t('exchange mint: missing audience', CONSOLE, without(mint(), 'audience')),
    t('exchange mint: missing reason', CONSOLE, without(mint(), 'reason')),
    t('exchange mint: two subject_token', CONSOLE, [...mint(), ['subject_token', 'usr_other']]),
    t('exchange mint: two subject_token_type', CONSOLE, [...mint(), ['subject_token_type', encodeURIComponent(T.userId)]]),
    t('exchange mint: two actor_token', CONSOLE, [...mint(), ['actor_token', 'other']]),
    t('exchange mint: two reason', CONSOLE, [...mint(), ['reason', 'another%20reason']]),
    t('exchange mint: two duration', CONSOLE, [...mint({ duration: '60' }), ['duration', '120']]),
    t('exchange mint: two grant_type', CONSOLE, [...mint(), ['grant_type', encodeURIComponent(EXCHANGE)]]),
    t('exchange mint: two audiences', CONSOLE, [...mint(), ['audience', encodeURIComponent(GLOBEX)]]),
    t('exchange mint: audience not a URL', CONSOLE, mint({ audience: 'not a url' })),
    t('exchange mint: resource not a URL', CONSOLE, [...without(mint(), 'audience'), ['resource', 'not%20a%20url']]),
    t('exchange mint: JWT-shaped actor_token', CONSOLE, mint({ actor_token: FAKE_JWT })),
    t('exchange mint: 100 KB actor_token', CONSOLE, mint({ actor_token: HUNDRED_KB })),
    t('exchange mint: 100 KB subject_token', CONSOLE, mint({ subject_token: HUNDRED_KB })),
    t('exchange mint: 100 KB reason', CONSOLE, mint({ reason: HUNDRED_KB })),
    t('exchange mint: unknown actor_token_type', CONSOLE, mint({ actor_token_type: 'urn:example:nope' })),
    t('exchange mint: unknown subject_token_type', CONSOLE, mint({ subject_token_type: 'urn:example:nope' })),
    t('exchange mint: unknown requested_token_type', CONSOLE, mint({ requested_token_type: 'urn:example:nope' })),
    t('exchange mint: duration not a number', CONSOLE, mint({ duration: 'abc' })),
    t('exchange mint: negative duration', CONSOLE, mint({ duration: '-5' })),
    t('exchange mint: huge duration', CONSOLE, mint({ duration: '1e999' })),
    t('exchange mint: fractional duration', CONSOLE, mint({ duration: '60.5' })),
    t('exchange mint: invalid UTF-8 in reason', CONSOLE, [...without(mint(), 'reason'), ['reason', '%ff%fe%fd%20ticket%20%23123']]),
    t('exchange mint: real token of the wrong kind as actor', CONSOLE, [], {
      body: (live) => form(mint({ actor_token: live.accessToken })),
    }),
    t('exchange mint: by a tenant client', ACME_APP, mint()),
    // token exchange, redeem leg (acme-app)
    t('exchange redeem: garbage ticket', ACME_APP, redeem()),
    t('exchange redeem: missing subject_token', ACME_APP, without(redeem(), 'subject_token')),
    t('exchange redeem: two subject_token', ACME_APP, [...redeem(), ['subject_token', 'another']]),
    t('exchange redeem: two subject_token_type', ACME_APP, [...redeem(), ['subject_token_type', encodeURIComponent(T.ticket)]]),
    t('exchange redeem: 100 KB ticket', ACME_APP, redeem({ subject_token: HUNDRED_KB })),
    t('exchange redeem: JWT-shaped ticket', ACME_APP, redeem({ subject_token: FAKE_JWT })),
    t('exchange redeem: unknown requested_token_type', ACME_APP, redeem({ requested_token_type: 'urn:ietf:params:oauth:token-type:id_token' })),
    t('exchange redeem: audience not a URL', ACME_APP, redeem({ audience: 'not a url' })),
    t('exchange redeem: ticket with invalid UTF-8', ACME_APP, [...without(redeem(), 'subject_token'), ['subject_token', '%ff%fe']]),
    t('exchange redeem: by the console', CONSOLE, redeem()),
    t('exchange: without client authentication', null, redeem()),
    t('exchange: with client_secret_post for a basic client', null, [...redeem(), ['client_id', 'acme-app'], ['client_secret', 'dev-acme-secret']]),
    ...bodyCases('/token', ACME_APP, enc({ grant_type: 'client_credentials' }), 'grant_type', [400]),
    ...bodyCases('/token', CONSOLE, mint(), 'subject_token', [400]).map((c) => ({ ...c, name: c.name.replace('/token:', '/token (exchange):') })),
  ];
};

const introspectionCases = (): Case[] => {
  const path = '/token/introspection';
  const c = (name: string, auth: string | null, body: string, extra: Partial<Case> = {}): Case => ({
    name: `${path}: ${name}`,
    ...post(path, body, auth ? { authorization: auth } : {}),
    oauth: true,
    ...extra,
  });
  return [
    c('missing token', ACME_APP, ''),
    c('empty token', ACME_APP, 'token='),
    c('two token', ACME_APP, 'token=a&token=b'),
    c('unknown token (RFC 7662 §2.2: active false)', ACME_APP, 'token=garbage', { expect: [200] }),
    c('JWT-shaped garbage', ACME_APP, `token=${FAKE_JWT}`, { expect: [200] }),
    c('JWT-shaped garbage, failed client authentication', basic('acme-app', 'wrong'), `token=${FAKE_JWT}`),
    c('100 KB token', ACME_APP, `token=${HUNDRED_KB}`, { expect: [200, 400, 413] }),
    c('token_type_hint garbage', ACME_APP, 'token=garbage&token_type_hint=%ff', { expect: [200, 400] }),
    c('token with invalid UTF-8', ACME_APP, 'token=%ff%fe', { expect: [200, 400] }),
    c('no client', null, 'token=garbage'),
    ...bodyCases(path, ACME_APP, [['token', 'garbage']], 'token', [200]),
  ];
};

const revocationCases = (): Case[] => {
  const path = '/token/revocation';
  const c = (name: string, auth: string | null, body: string, extra: Partial<Case> = {}): Case => ({
    name: `${path}: ${name}`,
    ...post(path, body, auth ? { authorization: auth } : {}),
    oauth: true,
    ...extra,
  });
  return [
    c('missing token', ACME_APP, ''),
    c('two token', ACME_APP, 'token=a&token=b'),
    c('unknown token (RFC 7009 §2.2: 200)', ACME_APP, 'token=garbage', { expect: [200] }),
    c('JWT-shaped garbage (RFC 7009 §2.2: 200)', ACME_APP, `token=${FAKE_JWT}`, { expect: [200] }),
    c('JWT-shaped garbage, failed client authentication', basic('acme-app', 'wrong'), `token=${FAKE_JWT}`),
    c('100 KB token', ACME_APP, `token=${HUNDRED_KB}`, { expect: [200, 400, 413] }),
    c('token with invalid UTF-8', ACME_APP, 'token=%ff%fe', { expect: [200, 400] }),
    c('token_type_hint unknown', ACME_APP, 'token=garbage&token_type_hint=nope', { expect: [200, 400] }),
    c('no client', null, 'token=garbage'),
    ...bodyCases(path, ACME_APP, [['token', 'garbage']], 'token', [200]),
  ];
};

const userinfoCases = (): Case[] => {
  const c = (name: string, extra: Partial<Case>): Case => ({ name: `/me: ${name}`, method: 'GET', path: '/me', oauth: true, ...extra });
  return [
    c('no token', {}),
    c('garbage Bearer', { headers: { authorization: 'Bearer garbage' } }),
    c('JWT-shaped Bearer', { headers: { authorization: `Bearer ${FAKE_JWT}` } }),
    c('Bearer with no value', { headers: { authorization: 'Bearer ' } }),
    c('Bearer with spaces', { headers: { authorization: 'Bearer a b c' } }),
    c('Basic instead of Bearer', { headers: { authorization: ACME_APP } }),
    c('non-base64 junk scheme', { headers: { authorization: '!!!' } }),
    c('8 KB Bearer', { headers: { authorization: `Bearer ${'a'.repeat(8 * 1024)}` } }),
    c('100 KB Bearer (over the header limit)', { headers: { authorization: `Bearer ${HUNDRED_KB}` }, oauth: false }),
    c('token in header and query', { path: '/me?access_token=garbage', headers: { authorization: 'Bearer garbage' } }),
    c('two access_token in the query', { path: '/me?access_token=a&access_token=b' }),
    c('access_token with invalid percent-encoding', { path: '/me?access_token=%zz%E0%A4%A' }),
    c('POST with a JSON body', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"access_token":"x"}' }),
    c('POST with invalid JSON', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }),
    c('POST with a 1 MB form', { method: 'POST', headers: { 'content-type': FORM }, body: `access_token=${ONE_MB}` }),
    c('POST with two access_token', { method: 'POST', headers: { 'content-type': FORM }, body: 'access_token=a&access_token=b' }),
    c('POST with multipart garbage', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=q' }, body: '--q\r\nxx' }),
    c('DELETE', { method: 'DELETE' }),
    c('an unknown method', { method: 'PROPFIND' }),
    c('PUT', { method: 'PUT', headers: { authorization: 'Bearer garbage' } }),
    c('real token in the query and the header', { path: (l) => `/me?access_token=${l.accessToken}`, headers: (l) => ({ authorization: `Bearer ${l.accessToken}` }) }),
  ];
};

const discoveryCases = (): Case[] => [
  { name: 'discovery: POST', ...post('/.well-known/openid-configuration', 'a=b') },
  { name: 'discovery: DELETE', method: 'DELETE', path: '/.well-known/openid-configuration' },
  { name: 'discovery: junk query is ignored', method: 'GET', path: '/.well-known/openid-configuration?%zz=%ff', expect: [200] },
  { name: 'discovery: unknown well-known', method: 'GET', path: '/.well-known/nope' },
  { name: 'discovery: trailing junk', method: 'GET', path: '/.well-known/openid-configuration/%ff' },
  { name: '/jwks: POST', ...post('/jwks', 'a=b') },
  { name: '/jwks: PUT JSON', method: 'PUT', path: '/jwks', headers: { 'content-type': 'application/json' }, body: '{"keys":[]}' },
  { name: '/jwks: junk query is ignored', method: 'GET', path: '/jwks?%zz', expect: [200] },
  { name: '/jwks: sub-path', method: 'GET', path: '/jwks/../../etc/passwd' },
];

const authorizationCases = (): Case[] => {
  const q = (name: string, query: string, extra: Partial<Case> = {}): Case => ({ name: `/auth: ${name}`, method: 'GET', path: `/auth?${query}`, ...extra });
  const good = `client_id=acme-app&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(`${ACME}/callback`)}&code_challenge=${'x'.repeat(43)}&code_challenge_method=S256`;
  return [
    { name: '/auth: no parameters', method: 'GET', path: '/auth' },
    q('unknown client', 'client_id=nobody&response_type=code'),
    q('two client_id', `${good}&client_id=acme-app`),
    q('unregistered redirect_uri', good.replace(encodeURIComponent(`${ACME}/callback`), encodeURIComponent('https://evil.example/cb'))),
    q('redirect_uri not a URL', good.replace(encodeURIComponent(`${ACME}/callback`), '%3A%3A%3A')),
    q('client_id with invalid percent-encoding', 'client_id=%E0%A4%A&response_type=code'),
    q('client_id with invalid UTF-8', 'client_id=%ff%fe&response_type=code'),
    q('bracketed array parameter', 'client_id[]=acme-app&response_type=code'),
    q('request object garbage', `${good}&request=garbage`, { expect: [303, 400] }),
    q('request_uri garbage', `${good}&request_uri=urn:nope`, { expect: [303, 400] }),
    q('claims not JSON', `${good}&claims=%7Bnot-json`, { expect: [303, 400] }),
    q('claims with wrong types', `${good}&claims=${encodeURIComponent('{"userinfo":[1],"id_token":"x"}')}`, { expect: [303, 400] }),
    q('max_age not a number', `${good}&max_age=abc`, { expect: [303, 400] }),
    q('max_age negative', `${good}&max_age=-1`, { expect: [303, 400] }),
    q('prompt none with login', `${good}&prompt=none%20login`, { expect: [303, 400] }),
    q('unknown prompt', `${good}&prompt=bogus`, { expect: [303, 400] }),
    q('response_type token (implicit)', good.replace('response_type=code', 'response_type=token'), { expect: [303, 400] }),
    // With a valid client and redirect_uri, errors go back to the client (RFC 6749 §4.1.2.1).
    q('two response_type', `${good}&response_type=code`, { expect: [303, 400] }),
    q('unknown response_mode', `${good}&response_mode=bogus`, { expect: [303, 400] }),
    q('resource not a URL', `${good}&resource=not%20a%20url`, { expect: [303, 400] }),
    q('resource of another tenant', `${good}&resource=${encodeURIComponent(GLOBEX)}`, { expect: [303, 400] }),
    q('code_challenge_method plain', good.replace('S256', 'plain'), { expect: [303, 400] }),
    q('missing code_challenge', good.replace(/&code_challenge=[^&]*/, ''), { expect: [303, 400] }),
    q('code_challenge too short', good.replace('x'.repeat(43), 'x'), { expect: [303, 400] }),
    q('id_token_hint garbage', `${good}&id_token_hint=${FAKE_JWT}`, { expect: [303, 400] }),
    q('login_hint 8 KB with invalid UTF-8', `${good}&login_hint=%ff${'a'.repeat(8 * 1024)}`, { expect: [200, 303, 400] }),
    q('scope without openid and with junk', good.replace('scope=openid', 'scope=%00%ff'), { expect: [303, 400] }),
    { name: '/auth/:uid resume with a made-up uid', method: 'GET', path: '/auth/made-up-uid' },
    { name: '/auth/:uid resume with invalid percent-encoding', method: 'GET', path: '/auth/%E0%A4%A' },
    q('15 KB client_id', `client_id=${'a'.repeat(15 * 1024)}&response_type=code`),
    q('100 KB query (over the header limit)', `client_id=${HUNDRED_KB}`),
    {
      name: '/auth: POST with a JSON body',
      method: 'POST',
      path: '/auth',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'acme-app', response_type: 'code' }),
    },
    { name: '/auth: POST with invalid JSON', method: 'POST', path: '/auth', headers: { 'content-type': 'application/json' }, body: '{' },
    { name: '/auth: POST text/plain', method: 'POST', path: '/auth', headers: { 'content-type': 'text/plain' }, body: 'client_id=acme-app' },
    { name: '/auth: POST 1 MB form', ...post('/auth', `client_id=acme-app&x=${ONE_MB}`) },
    { name: '/auth: POST multipart garbage', method: 'POST', path: '/auth', headers: { 'content-type': 'multipart/form-data; boundary=z' }, body: '--z\r\n' },
    { name: '/auth: POST with two client_id', ...post('/auth', 'client_id=acme-app&client_id=globex-app&response_type=code') },
    { name: '/auth: PUT', ...post('/auth', 'client_id=acme-app'), method: 'PUT' },
    { name: '/auth: DELETE', method: 'DELETE', path: '/auth' },
  ];
};

const endSessionCases = (): Case[] => {
  const q = (name: string, query: string): Case => ({ name: `/session/end: ${name}`, method: 'GET', path: `/session/end?${query}` });
  return [
    q('garbage id_token_hint', 'id_token_hint=garbage'),
    q('JWT-shaped id_token_hint', `id_token_hint=${FAKE_JWT}`),
    q('unregistered post_logout_redirect_uri', `client_id=acme-app&post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`),
    // Without a client to check it against, the URI is ignored and the sign-out page shows.
    { ...q('post_logout_redirect_uri without a client', `post_logout_redirect_uri=${encodeURIComponent(`${ACME}/`)}`), expect: [200, 400] },
    q('unknown client_id', 'client_id=nobody'),
    q('two client_id', 'client_id=acme-app&client_id=globex-app'),
    q('invalid percent-encoding', 'client_id=%E0%A4%A'),
    q('invalid UTF-8', 'client_id=%ff'),
    { name: '/session/end: POST JSON', method: 'POST', path: '/session/end', headers: { 'content-type': 'application/json' }, body: '{"client_id":"acme-app"}' },
    { name: '/session/end: POST invalid JSON', method: 'POST', path: '/session/end', headers: { 'content-type': 'application/json' }, body: '{' },
    { name: '/session/end: POST 1 MB form', ...post('/session/end', `client_id=acme-app&x=${ONE_MB}`) },
    { name: '/session/end: POST two client_id', ...post('/session/end', 'client_id=acme-app&client_id=globex-app') },
    { name: '/session/end: PUT', ...post('/session/end', 'a=b'), method: 'PUT' },
    { name: '/session/end/confirm: no session, garbage xsrf', ...post('/session/end/confirm', 'xsrf=garbage&logout=yes') },
    { name: '/session/end/confirm: GET', method: 'GET', path: '/session/end/confirm' },
    { name: '/session/end/confirm: JSON', method: 'POST', path: '/session/end/confirm', headers: { 'content-type': 'application/json' }, body: '{"xsrf":[1]}' },
  ];
};

const interactionCases = (): Case[] => {
  const uidPaths = ['', '/login', '/confirm', '/passkey/options', '/passkey/verify'];
  const cases: Case[] = [];
  // Without the interaction cookie: a made-up, an invalid-percent and a huge uid.
  for (const uid of ['made-up-uid', '%E0%A4%A', '%ff%fe', 'a'.repeat(8 * 1024), '..%2F..%2Fetc%2Fpasswd']) {
    for (const sub of uidPaths) {
      const path = `/interaction/${uid}${sub}`;
      const label = `/interaction/${uid.length > 40 ? '<8 KB uid>' : uid}${sub}`;
      if (sub === '') cases.push({ name: `${label}: GET without the cookie`, method: 'GET', path });
      else cases.push({ name: `${label}: POST without the cookie`, ...post(path, 'email=a%40b.c&password=x&csrf=x') });
    }
  }
  cases.push({ name: '/interaction/made-up-uid/abort: GET without the cookie', method: 'GET', path: '/interaction/made-up-uid/abort' });
  cases.push({ name: '/interaction/: empty uid', method: 'GET', path: '/interaction/' });

  // With the live interaction's cookies (a browser mid-login).
  const live = (name: string, c: Partial<Case> & { sub: string }): Case => {
    const { sub, ...rest } = c;
    return { name: `/interaction/:uid${sub}: ${name}`, method: 'POST', browser: true, ...rest, path: (l) => `/interaction/${l.uid}${sub}` } as Case;
  };
  const loginForm = (l: Live, extra = '') => `csrf=${encodeURIComponent(l.csrf)}${extra}`;
  cases.push(
    live('wrong uid with a live cookie', { sub: '/login', path: () => '/interaction/another-uid/login', headers: { 'content-type': FORM }, body: (l) => loginForm(l, '&email=a%40b.c&password=x') }),
    live('no body', { sub: '/login', headers: { 'content-type': FORM }, body: '' }),
    live('missing csrf', { sub: '/login', headers: { 'content-type': FORM }, body: 'email=bob%40acme.test&password=x' }),
    live('two csrf', { sub: '/login', headers: { 'content-type': FORM }, body: (l) => `${loginForm(l)}&${loginForm(l)}&email=bob%40acme.test&password=x` }),
    live('missing password', { sub: '/login', headers: { 'content-type': FORM }, body: (l) => loginForm(l, '&email=bob%40acme.test') }),
    live('two email', { sub: '/login', headers: { 'content-type': FORM }, body: (l) => loginForm(l, '&email=bob%40acme.test&email=carol%40acme.test&password=x') }),
    live('two password', { sub: '/login', headers: { 'content-type': FORM }, body: (l) => loginForm(l, '&email=bob%40acme.test&password=a&password=b') }),
    live('bracketed arrays', { sub: '/login', headers: { 'content-type': FORM }, body: (l) => loginForm(l, '&email[]=bob%40acme.test&password[a]=x') }),
    live('10 KB password', { sub: '/login', headers: { 'content-type': FORM }, body: (l) => loginForm(l, `&email=bob%40acme.test&password=${'a'.repeat(10 * 1024)}`) }),
    live('1 MB form', { sub: '/login', headers: { 'content-type': FORM }, body: (l) => loginForm(l, `&email=bob%40acme.test&password=${ONE_MB}`) }),
    live('invalid percent-encoding', { sub: '/login', headers: { 'content-type': FORM }, body: (l) => loginForm(l, '&email=%E0%A4%A&password=%zz') }),
    live('invalid UTF-8', { sub: '/login', headers: { 'content-type': FORM }, body: (l) => loginForm(l, '&email=%ff%fe&password=%c3') }),
    live('JSON with arrays and numbers', {
      sub: '/login',
      headers: { 'content-type': 'application/json' },
      body: (l) => JSON.stringify({ csrf: l.csrf, email: ['bob@acme.test'], password: 12345678 }),
    }),
    live('JSON with a nested object', {
      sub: '/login',
      headers: { 'content-type': 'application/json' },
      body: '{"csrf":{"$ne":null},"email":{"toString":1},"password":null,"__proto__":{"admin":true}}',
    }),
    live('invalid JSON', { sub: '/login', headers: { 'content-type': 'application/json' }, body: '{"csrf":' }),
    live('JSON 1 MB', { sub: '/login', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: ONE_MB }) }),
    live('text/plain', { sub: '/login', headers: { 'content-type': 'text/plain' }, body: (l) => loginForm(l, '&email=bob%40acme.test&password=x') }),
    live('multipart garbage', { sub: '/login', headers: { 'content-type': 'multipart/form-data; boundary=b' }, body: '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\ny' }),
    live('GET (wrong method)', { sub: '/login', method: 'GET' }),
    live('PUT (wrong method)', { sub: '/login', method: 'PUT', headers: { 'content-type': FORM }, body: 'a=b' }),
    live('at the login prompt', { sub: '/confirm', headers: { 'content-type': FORM }, body: (l) => loginForm(l) }),
    live('missing csrf', { sub: '/confirm', headers: { 'content-type': FORM }, body: '' }),
    live('JSON arrays', { sub: '/confirm', headers: { 'content-type': 'application/json' }, body: (l) => JSON.stringify({ csrf: [l.csrf] }) }),
    live('invalid JSON', { sub: '/confirm', headers: { 'content-type': 'application/json' }, body: '[' }),
    live('GET (wrong method)', { sub: '/confirm', method: 'GET' }),
    live('PUT (wrong method)', { sub: '', method: 'PUT' }),
    live('DELETE (wrong method)', { sub: '', method: 'DELETE' }),
    live('POST (wrong method)', { sub: '', headers: { 'content-type': FORM }, body: 'a=b' }),
    live('no CSRF header', { sub: '/passkey/options', headers: { 'content-type': 'application/json' }, body: '{"mode":"signin"}' }),
    live('garbage CSRF header', { sub: '/passkey/options', headers: { 'content-type': 'application/json', 'x-csrf-token': 'garbage' }, body: '{}' }),
    live('invalid JSON', { sub: '/passkey/options', headers: (l) => ({ 'content-type': 'application/json', 'x-csrf-token': l.csrf }), body: '{' }),
    live('mode stepup without a session', {
      sub: '/passkey/options',
      headers: (l) => ({ 'content-type': 'application/json', 'x-csrf-token': l.csrf }),
      body: '{"mode":"stepup"}',
    }),
    live('mode as an array', {
      sub: '/passkey/options',
      headers: (l) => ({ 'content-type': 'application/json', 'x-csrf-token': l.csrf }),
      body: '{"mode":["stepup"]}',
      expect: [200, 400],
    }),
    live('1 MB JSON', {
      sub: '/passkey/options',
      headers: (l) => ({ 'content-type': 'application/json', 'x-csrf-token': l.csrf }),
      body: JSON.stringify({ mode: ONE_MB }),
    }),
    live('no CSRF header', { sub: '/passkey/verify', headers: { 'content-type': 'application/json' }, body: '{}' }),
    live('empty JSON', { sub: '/passkey/verify', headers: (l) => ({ 'content-type': 'application/json', 'x-csrf-token': l.csrf }), body: '{}' }),
    live('garbage handle and response', {
      sub: '/passkey/verify',
      headers: (l) => ({ 'content-type': 'application/json', 'x-csrf-token': l.csrf }),
      body: JSON.stringify({ handle: 'garbage', response: { id: 'x', rawId: 'x', type: 'public-key', response: {} } }),
    }),
    live('wrong-typed handle and response', {
      sub: '/passkey/verify',
      headers: (l) => ({ 'content-type': 'application/json', 'x-csrf-token': l.csrf }),
      body: JSON.stringify({ handle: [1, 2], response: 'not-an-object' }),
    }),
    live('response with hostile field types', {
      sub: '/passkey/verify',
      headers: (l) => ({ 'content-type': 'application/json', 'x-csrf-token': l.csrf }),
      body: JSON.stringify({
        handle: 'x',
        response: { id: 7, rawId: null, type: ['public-key'], response: { clientDataJSON: 1, authenticatorData: {}, signature: [] } },
      }),
    }),
    live('a form where JSON is expected', {
      sub: '/passkey/verify',
      headers: (l) => ({ 'content-type': FORM, 'x-csrf-token': l.csrf }),
      body: 'handle=x&response=y',
    }),
    live('invalid JSON', { sub: '/passkey/verify', headers: (l) => ({ 'content-type': 'application/json', 'x-csrf-token': l.csrf }), body: '}' }),
    live('GET (wrong method)', { sub: '/passkey/verify', method: 'GET' }),
  );
  return cases;
};

/** Our own pages: the console (/admin) and the account page (/account), health, unknown paths. */
const pageCases = (): Case[] => {
  // A browser with a CSRF cookie (the live interaction's) but signed in to neither page.
  const b = (name: string, c: Omit<Case, 'name'>): Case => ({ name, browser: true, ...c });
  const json = (l: Live) => ({ 'content-type': 'application/json', 'x-csrf-token': l.csrf });
  return [
    { name: '/admin/callback: no state or code', method: 'GET', path: '/admin/callback' },
    { name: '/admin/callback: garbage state and code', method: 'GET', path: '/admin/callback?state=x&code=y' },
    { name: '/admin/callback: an error from the provider', method: 'GET', path: '/admin/callback?error=access_denied&state=x' },
    { name: '/admin/callback: two state', method: 'GET', path: '/admin/callback?state=a&state=b&code=c' },
    { name: '/admin/callback: invalid percent-encoding', method: 'GET', path: '/admin/callback?state=%E0%A4%A&code=%zz' },
    { name: '/admin/logout: no csrf', ...post('/admin/logout', '') },
    b('/admin/logout: two csrf', { ...post('/admin/logout', ''), body: (l) => `csrf=${l.csrf}&csrf=${l.csrf}` }),
    { name: '/admin/logout: invalid JSON', method: 'POST', path: '/admin/logout', headers: { 'content-type': 'application/json' }, body: '{' },
    { name: '/admin/logout: 1 MB form', ...post('/admin/logout', `csrf=${ONE_MB}`) },
    { name: '/admin/logout: GET', method: 'GET', path: '/admin/logout' },
    { name: '/admin: PUT', method: 'PUT', path: '/admin' },
    { name: '/admin/stepup: POST', ...post('/admin/stepup', 'a=b') },
    { name: '/admin/passkeys/options: no CSRF header', method: 'POST', path: '/admin/passkeys/options', headers: { 'content-type': 'application/json' }, body: '{}' },
    b('/admin/passkeys/options: signed out', { method: 'POST', path: '/admin/passkeys/options', headers: json, body: '{}' }),
    b('/admin/passkeys/verify: signed out, hostile JSON', { method: 'POST', path: '/admin/passkeys/verify', headers: json, body: '{"response":7,"handle":[],"name":{}}' }),
    b('/admin/passkeys/verify: invalid JSON', { method: 'POST', path: '/admin/passkeys/verify', headers: json, body: '{' }),
    // Signed out: the list and the removal send the browser home (303), like any page of a signed-out console.
    b('/admin/passkeys/:id/delete: signed out, invalid UTF-8 id', { ...post('/admin/passkeys/%ff/delete', 'csrf=x'), expect: [302, 303, 400, 401, 403] }),
    { name: '/admin/passkeys/:id/delete: invalid percent-encoding id', ...post('/admin/passkeys/%E0%A4%A/delete', 'csrf=x'), expect: [302, 303, 400, 401, 403] },
    { name: '/admin/%E0%A4%A: invalid percent-encoding', method: 'GET', path: '/admin/%E0%A4%A' },
    { name: '/account/login: no body', ...post('/account/login', '') },
    b('/account/login: missing fields', { ...post('/account/login', ''), body: (l) => `csrf=${encodeURIComponent(l.csrf)}` }),
    b('/account/login: two tenant', { ...post('/account/login', ''), body: (l) => `csrf=${encodeURIComponent(l.csrf)}&tenant=acme&tenant=globex&email=x%40y.z&password=x` }),
    b('/account/login: unknown tenant, invalid UTF-8', { ...post('/account/login', ''), body: (l) => `csrf=${encodeURIComponent(l.csrf)}&tenant=%ff&email=%E0%A4%A&password=%zz` }),
    b('/account/login: JSON with wrong types', {
      method: 'POST',
      path: '/account/login',
      headers: { 'content-type': 'application/json' },
      body: (l) => JSON.stringify({ csrf: l.csrf, tenant: ['acme'], email: 7, password: { a: 1 } }),
    }),
    { name: '/account/login: invalid JSON', method: 'POST', path: '/account/login', headers: { 'content-type': 'application/json' }, body: '{"' },
    { name: '/account/login: 1 MB form', ...post('/account/login', `password=${ONE_MB}`) },
    { name: '/account/login: multipart garbage', method: 'POST', path: '/account/login', headers: { 'content-type': 'multipart/form-data; boundary=k' }, body: '--k' },
    { name: '/account/login: GET', method: 'GET', path: '/account/login' },
    { name: '/account/passkey/options: no CSRF header', method: 'POST', path: '/account/passkey/options', headers: { 'content-type': 'application/json' }, body: '{}' },
    b('/account/passkey/verify: garbage', { method: 'POST', path: '/account/passkey/verify', headers: json, body: '{"handle":"x","response":{"id":1}}' }),
    b('/account/passkey/verify: JSON null', { method: 'POST', path: '/account/passkey/verify', headers: json, body: 'null' }),
    b('/account/passkeys/options: signed out', { method: 'POST', path: '/account/passkeys/options', headers: json, body: '{}' }),
    { name: '/account/logout: no csrf', ...post('/account/logout', '') },
    { name: '/account: POST garbage JSON', method: 'POST', path: '/account', headers: { 'content-type': 'application/json' }, body: '{' },
    { name: '/account/%ff: invalid UTF-8', method: 'GET', path: '/account/%ff' },
    { name: '/admin: garbage cookies', method: 'GET', path: '/admin', headers: { cookie: 'gh_console=%E0%A4%A; gh_console.sig=%ff; gh_csrf=%ff' }, expect: [200] },
    { name: '/account: garbage cookies', method: 'GET', path: '/account', headers: { cookie: 'gh_account=%E0%A4%A; gh_account.sig=%ff' }, expect: [200] },
  { name: '/healthz: POST', ...post('/healthz', 'a=b') },
  { name: '/healthz: junk query is ignored', method: 'GET', path: '/healthz?%zz=%ff', expect: [200] },
  { name: '/healthz: DELETE', method: 'DELETE', path: '/healthz' },
  { name: '/readyz: PUT JSON', method: 'PUT', path: '/readyz', headers: { 'content-type': 'application/json' }, body: '{' },
  { name: '/readyz: junk query is ignored', method: 'GET', path: '/readyz?%E0%A4%A', expect: [200] },
  { name: 'unknown path', method: 'GET', path: '/nope', expect: [404] },
  { name: 'unknown path, POST with a body', ...post('/nope', `x=${ONE_MB}`), expect: [404, 413] },
  { name: 'unknown path with invalid percent-encoding', method: 'GET', path: '/%E0%A4%A' },
  { name: 'unknown path with invalid UTF-8', method: 'GET', path: '/%ff%fe' },
  { name: 'unknown path with an encoded NUL', method: 'GET', path: '/a%00b' },
  { name: 'unknown static file', method: 'GET', path: '/static/../package.json' },
  { name: 'static file, wrong method', ...post('/static/gatehouse.css', 'a=b') },
  { name: 'PROPFIND', method: 'PROPFIND', path: '/' },
  { name: 'unknown method on the token endpoint', method: 'PATCH', path: '/token', headers: { 'content-type': FORM }, body: 'grant_type=client_credentials' },
  { name: 'OPTIONS /token', method: 'OPTIONS', path: '/token', expect: [200, 204, 400, 404, 405] },
  // Hostile Host headers (discovery builds endpoint URLs from Host) and cookies.
  { name: 'discovery: Host with a bad port', method: 'GET', path: '/.well-known/openid-configuration', raw: true, headers: { host: 'localhost:99999' } },
  { name: 'discovery: Host with an unclosed IPv6 bracket', method: 'GET', path: '/.well-known/openid-configuration', raw: true, headers: { host: '[::1' } },
  { name: 'discovery: Host with userinfo and a path', method: 'GET', path: '/.well-known/openid-configuration', raw: true, headers: { host: 'a@b:c/d?e#f' } },
  { name: '/healthz: answers whatever the Host', method: 'GET', path: '/healthz', raw: true, headers: { host: '[::1' }, expect: [200] },
  { name: '/auth: Host with junk', method: 'GET', path: '/auth?client_id=acme-app', raw: true, headers: { host: '%ff%00:1' } },
  { name: '/token: Host with junk', method: 'POST', path: '/token', raw: true, headers: { host: '[zz]', 'content-type': FORM, authorization: ACME_APP }, body: 'grant_type=x', oauth: true },
  {
    name: '/interaction/x: garbage cookies',
    method: 'GET',
    path: '/interaction/made-up',
    headers: { cookie: '_interaction=%E0%A4%A; _interaction.sig=%ff; _session=..; gh_csrf=%zz; gh_csrf.sig=x' },
  },
  {
    name: '/auth: garbage session cookies',
    method: 'GET',
    path: `/auth?client_id=acme-app&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(`${ACME}/callback`)}&code_challenge=${'x'.repeat(43)}&code_challenge_method=S256`,
    headers: { cookie: '_session=%E0%A4%A; _session.sig=%ff; _session.legacy=x; _interaction_resume=%00' },
    expect: [303],
  },
  { name: '/session/end: garbage session cookies', method: 'GET', path: '/session/end', headers: { cookie: '_session=%E0%A4%A; _session.sig=%ff' }, expect: [200] },
  { name: '/token: Accept text/html still answers JSON', ...post('/token', 'grant_type=nope', { authorization: ACME_APP, accept: 'text/html' }), oauth: true },
  { name: '/token: garbage Accept', ...post('/token', 'grant_type=nope', { authorization: ACME_APP, accept: '*/*;q=zz, ;;;' }), oauth: true },
  // The provider reads the body as is; a bogus coding label may be ignored (or refused, RFC 9110 §15.5.16).
  { name: '/token: gzip Content-Encoding with a plain body', ...post('/token', 'grant_type=client_credentials', { authorization: ACME_APP, 'content-encoding': 'gzip' }), oauth: true, expect: [200, 400, 415] },
  { name: '/token: unknown Content-Encoding', ...post('/token', 'grant_type=client_credentials', { authorization: ACME_APP, 'content-encoding': 'klingon' }), oauth: true, expect: [200, 400, 415] },
  { name: '/token: X-Forwarded headers are not trusted', ...post('/token', 'grant_type=nope', { authorization: ACME_APP, 'x-forwarded-proto': 'gopher', 'x-forwarded-for': '%%%', 'x-forwarded-host': '[' }), oauth: true },
  {
    name: '/interaction/:uid/login: deeply nested JSON',
    method: 'POST',
    path: (l) => `/interaction/${l.uid}/login`,
    browser: true,
    headers: { 'content-type': 'application/json' },
    body: `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
  },
  {
    name: '/interaction/:uid/login: JSON that is not an object',
    method: 'POST',
    path: (l) => `/interaction/${l.uid}/login`,
    browser: true,
    headers: { 'content-type': 'application/json' },
    body: '"just a string"',
  },
  {
    name: '/interaction/:uid/passkey/verify: JSON null',
    method: 'POST',
    path: (l) => `/interaction/${l.uid}/passkey/verify`,
    browser: true,
    headers: (l) => ({ 'content-type': 'application/json', 'x-csrf-token': l.csrf }),
    body: 'null',
  },
  {
    name: '/interaction/:uid/passkey/options: JSON array',
    method: 'POST',
    path: (l) => `/interaction/${l.uid}/passkey/options`,
    browser: true,
    headers: (l) => ({ 'content-type': 'application/json', 'x-csrf-token': l.csrf }),
    body: '[1,2,3]',
    expect: [200, 400],
  },
  { name: 'unsupported provider route /reg', ...post('/reg', '{}'), expect: [400, 404] },
  { name: 'unsupported provider route /request (PAR)', ...post('/request', 'client_id=acme-app'), expect: [400, 401, 404] },
  { name: 'unsupported provider route /device/auth', ...post('/device/auth', 'client_id=acme-app'), expect: [400, 401, 404] },
  ];
};

const CASES: Case[] = [
  ...discoveryCases(),
  ...authorizationCases(),
  ...tokenCases(),
  ...introspectionCases(),
  ...revocationCases(),
  ...userinfoCases(),
  ...endSessionCases(),
  ...interactionCases(),
  ...pageCases(),
];

/** node:http lets a case send a Host header of its own; the answer as a fetch Response. */
async function rawRequest(port: number, method: string, path: string, headers: Headers, body: string | Buffer | undefined): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers: Object.fromEntries(headers), signal: AbortSignal.timeout(5000) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
          resolve(new Response(res.statusCode === 204 || res.statusCode === 304 ? null : Buffer.concat(chunks), { status: res.statusCode, headers: h }));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The status line of an HTTP/1.0 GET sent with no Host header at all (fetch and node:http always add one). */
async function http10WithoutHost(port: number, path: string): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.setTimeout(5000, () => socket.destroy(new Error('timed out')));
  socket.write(`GET ${path} HTTP/1.0\r\n\r\n`);
  let answer = '';
  for await (const chunk of socket) answer += chunk;
  return answer.split('\r\n')[0]!;
}

function isOAuthErrorBody(text: string, type: string | null): string | null {
  if (!type?.includes('application/json')) return `content-type ${type}, not JSON`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `not JSON: ${text.slice(0, 200)}`;
  }
  const b = body as Record<string, unknown>;
  if (typeof b.error !== 'string' || !/^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/.test(b.error)) return `no RFC 6749 error: ${text.slice(0, 200)}`;
  if (b.error_description !== undefined && typeof b.error_description !== 'string') return 'error_description is not a string';
  return null;
}

describe('malformed requests (real Redis): 4xx, never 5xx, never a hang', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  const live = {} as Live;

  before(async () => {
    redis = await startRedisServer();
    gh = await startGatehouse({ redisUrl: redis.url });
    // A browser mid-login at acme-app: its interaction uid, cookies and CSRF token.
    const agent = new HttpAgent();
    const url = new URL(`${gh.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: 'acme-app',
      response_type: 'code',
      scope: 'openid',
      redirect_uri: `${ACME}/callback`,
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
    }).toString();
    const page = await agent.follow(url, () => false);
    assert.equal(page.res?.status, 200, 'the login page');
    live.uid = page.url.pathname.split('/').pop()!;
    live.agent = agent;
    live.csrf = formFields(page.html!).csrf!;
    assert.ok(live.csrf, 'a csrf token on the login page');
    // A real, valid (acme-app client credentials) access token, for wrong-kind cases.
    const acme = await oidc.discovery(new URL(gh.issuer), 'acme-app', 'dev-acme-secret', oidc.ClientSecretBasic('dev-acme-secret'), {
      execute: [oidc.allowInsecureRequests],
    });
    live.accessToken = (await oidc.clientCredentialsGrant(acme, {})).access_token;
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const method = c.method ?? 'GET';
      const path = typeof c.path === 'function' ? c.path(live) : c.path;
      const headers = new Headers(typeof c.headers === 'function' ? c.headers(live) : c.headers);
      if (!c.raw) for (const [k, v] of [...headers]) if (v === '') headers.delete(k);
      const body = typeof c.body === 'function' ? c.body(live) : c.body;
      const init: RequestInit = { method, headers, redirect: 'manual', signal: AbortSignal.timeout(5000) };
      if (body !== undefined && method !== 'GET' && method !== 'HEAD') {
        init.body = typeof body === 'string' ? body : new Uint8Array(body);
        // fetch adds text/plain for string bodies; a case that removed the type means it.
        if (!headers.has('content-type')) headers.set('content-type', '');
      }
      const res = c.raw
        ? await rawRequest(gh.port, method, path, headers, body)
        : c.browser
          ? await live.agent.fetch(`${gh.issuer}${path}`, init)
          : await fetch(`${gh.issuer}${path}`, init);
      const text = await res.text();
      const detail = `${method} ${path.slice(0, 120)} -> ${res.status} ${text.slice(0, 300)}`;
      assert.ok(res.status < 500, `5xx: ${detail}\n${gh.logs.lines.filter((l) => l.includes('"level":50')).slice(-3).join('\n')}`);
      if (c.expect) assert.ok(c.expect.includes(res.status), `expected ${c.expect.join('|')}: ${detail}`);
      else assert.ok(res.status >= 400 && res.status < 500, `expected a 4xx: ${detail}`);
      if (c.oauth && res.status >= 400 && res.status !== 413 && res.status !== 431) {
        const problem = isOAuthErrorBody(text, res.headers.get('content-type'));
        assert.equal(problem, null, `${problem}: ${detail}`);
      }
    });
  }

  it('an HTTP/1.0 request without a Host: 400 where URLs are built from it, /healthz still 200', async () => {
    for (const [path, status] of [
      ['/.well-known/openid-configuration', 400],
      ['/auth?client_id=acme-app', 400],
      ['/healthz', 200],
    ] as const) {
      const head = await http10WithoutHost(gh.port, path);
      assert.match(head, new RegExp(`^HTTP/1\\.[01] ${status} `), `${path}: ${head}`);
    }
  });

  it('the live interaction survived every malformed request and still signs in', async () => {
    const res = await live.agent.postForm(`${gh.issuer}/interaction/${live.uid}/login`, {
      csrf: live.csrf,
      email: 'bob@acme.test',
      password: 'bob-demo-pass',
    });
    assert.equal(res.status, 303, await res.clone().text());
    assert.ok(res.headers.get('location')?.includes('/auth/'), 'back to the authorization endpoint');
  });

  it('nothing was logged as a server error', () => {
    const errors = gh.logs.lines.filter((l) => /"level":(50|60)/.test(l));
    assert.deepEqual(errors, []);
  });
});
