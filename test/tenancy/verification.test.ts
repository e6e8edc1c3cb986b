/**
 * Proving control of a domain (PROTOCOL §11) against real servers: an HTTP server on a
 * `*.localhost` name, and a DNS server answering TXT questions. The HTTP check must not
 * become a probe of the internal network: without the dev allowance it refuses loopback,
 * private and link-local addresses before connecting; it follows no redirect to another
 * host, gives up at its timeout, and reads a bounded body.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TenancyError, type TenancyErrorCode } from '../../src/tenancy/index.js';
import { isPublicAddress } from '../../src/tenancy/verification/addresses.js';
import { createDomainVerifier } from '../../src/tenancy/verification/index.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';

const TOKEN = 'tok_0123456789abcdefghijklmnopqrstuv';
const refusedWith = (promise: Promise<unknown>, code: TenancyErrorCode, detail?: RegExp) =>
  assert.rejects(promise, (err: unknown) => err instanceof TenancyError && err.code === code && (!detail || detail.test(err.message)));

describe('domain verification over HTTP and DNS (real servers)', () => {
  let server: Server;
  let port: number;
  let dns: TestDnsServer;
  const hits: string[] = [];
  const dev = createDomainVerifier({ timeoutMs: 1500, allowPrivateAddresses: true });
  const production = createDomainVerifier({ timeoutMs: 1500, allowPrivateAddresses: false });
  const origin = (name: string) => `http://${name}.localhost:${port}`;

  before(async () => {
    server = createServer((req, res) => {
      const host = String(req.headers.host).split('.')[0];
      hits.push(`${host} ${req.url}`);
      if (req.url === '/.well-known/gatehouse-domain-verification?v=2') return res.writeHead(200).end(TOKEN);
      if (req.url !== '/.well-known/gatehouse-domain-verification' || host === 'missing') return res.writeHead(404).end();
      if (host === 'good') return res.writeHead(200, { 'content-type': 'text/plain' }).end(`${TOKEN}\n`);
      if (host === 'wrong') return res.writeHead(200).end('someone-elses-token');
      if (host === 'away') return res.writeHead(302, { location: `http://evil.localhost:${port}/.well-known/gatehouse-domain-verification` }).end();
      if (host === 'moved') return res.writeHead(301, { location: '/.well-known/gatehouse-domain-verification?v=2' }).end();
      if (host === 'huge') return res.writeHead(200).end(`${'x'.repeat(8192)}\n${TOKEN}\n`);
      if (host === 'silent') return; // never answers
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    dns = await startDnsServer();
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await dns.stop();
  });

  it('a domain serving its token at the well-known path is proven (dev: *.localhost is loopback)', async () => {
    await dev.verify(origin('good'), TOKEN, 'http');
    assert.ok(hits.includes('good /.well-known/gatehouse-domain-verification'));
  });

  it('a wrong token, a 404 or a 500 is no proof', async () => {
    await refusedWith(dev.verify(origin('wrong'), TOKEN, 'http'), 'domain_verification_failed', /does not serve this domain's token/);
    await refusedWith(dev.verify(origin('missing'), TOKEN, 'http'), 'domain_verification_failed', /answered 404/);
    await refusedWith(dev.verify(origin('broken'), TOKEN, 'http'), 'domain_verification_failed', /answered 500/);
  });

  it('a redirect to another host is refused; one on the same host is followed', async () => {
    const before = hits.length;
    await refusedWith(dev.verify(origin('away'), TOKEN, 'http'), 'domain_verification_failed', /redirects elsewhere/);
    assert.ok(!hits.slice(before).some((h) => h.startsWith('evil')), 'the other host was never asked');
    await dev.verify(origin('moved'), TOKEN, 'http');
  });

  it('only the first 4 KiB of an answer are read', async () => {
    await refusedWith(dev.verify(origin('huge'), TOKEN, 'http'), 'domain_verification_failed');
  });

  it('a resolver that never answers fails at the timeout too: the timeout bounds the whole check', { timeout: 20_000 }, async () => {
    const slowDns = createDomainVerifier({ timeoutMs: 300, allowPrivateAddresses: false, lookup: () => new Promise(() => {}) });
    await refusedWith(slowDns.verify('https://slow-dns.example', TOKEN, 'http'), 'domain_verification_failed', /no answer within 300 ms/);
  });

  it('a server that never answers fails at the timeout instead of hanging', async () => {
    await refusedWith(dev.verify(origin('silent'), TOKEN, 'http'), 'domain_verification_failed', /no answer within 1500 ms/);
  });

  it('in production, loopback, private and link-local addresses are refused before any connection', async () => {
    const before = hits.length;
    await refusedWith(production.verify(origin('good'), TOKEN, 'http'), 'domain_address_forbidden');
    for (const literal of ['http://127.0.0.1:9', 'http://10.0.0.1', 'http://169.254.169.254', 'http://[::1]:9', 'http://[::ffff:192.168.0.1]', 'http://0.0.0.0']) {
      await refusedWith(production.verify(literal, TOKEN, 'http'), 'domain_address_forbidden');
    }
    assert.equal(hits.length, before, 'nothing was asked');
  });

  it('the special-purpose address table', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1', '64:ff9b::a00:1', 'not-an-ip']) {
      assert.equal(isPublicAddress(a), false, a);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) assert.equal(isPublicAddress(a), true, a);
  });

  it('DNS: a TXT record at _gatehouse.<host> holding the token proves it; another value does not', async () => {
    const viaDns = createDomainVerifier({ timeoutMs: 1500, allowPrivateAddresses: false, dnsServers: [dns.address] });
    dns.txt.set('_gatehouse.shop.example', ['v=spf1 -all', `gatehouse-domain-verification=${TOKEN}`]);
    dns.txt.set('_gatehouse.other.example', ['gatehouse-domain-verification=not-it']);
    await viaDns.verify('https://shop.example', TOKEN, 'dns');
    await refusedWith(viaDns.verify('https://other.example', TOKEN, 'dns'), 'domain_verification_failed', /does not hold/);
    await refusedWith(viaDns.verify('https://nothing.example', TOKEN, 'dns'), 'domain_verification_failed', /no TXT record/);
  });
});
