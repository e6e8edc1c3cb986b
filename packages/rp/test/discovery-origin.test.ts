/**
 * Issue 8 row 8: a discovery document whose endpoints leave the issuer's origin (as Gatehouse's
 * did when it built them from a forged Host header) must not send the tenant's client secret,
 * a ticket or a token anywhere else.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { discover, redeemTicket, revokeToken, verifyImpersonationToken } from '../src/index.js';
import { CLIENT_ID, CLIENT_SECRET, type IssuerFixture, startIssuer } from './issuer-fixture.js';

describe('discovery endpoints must stay on the issuer origin', () => {
  const seenByEvil: IncomingMessage[] = [];
  const evil = createServer((req, res) => {
    seenByEvil.push(req);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
  });
  let evilOrigin = '';
  const fixtures: IssuerFixture[] = [];
  before(async () => {
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    // Same host, another port: a different origin (RFC 6454), as an attacker's host would be.
    evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  });
  after(async () => {
    evil.closeAllConnections();
    evil.close();
    await Promise.all(fixtures.map((f) => f.close()));
  });

  /** A fresh issuer (discovery is cached per issuer) whose document points `member` at the evil origin. */
  async function issuerLeaking(member: string): Promise<IssuerFixture> {
    const gh = await startIssuer();
    fixtures.push(gh);
    gh.onDiscovery = (document) => ({ ...document, [member]: `${evilOrigin}/${member}` });
    return gh;
  }

  for (const member of ['token_endpoint', 'introspection_endpoint', 'revocation_endpoint', 'jwks_uri']) {
    it(`refuses a document whose ${member} is on another origin`, async () => {
      const gh = await issuerLeaking(member);
      await assert.rejects(discover(gh.issuer), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'issuer_bad_response');
        assert.match(err.message, new RegExp(member));
        return true;
      });
    });
  }

  it('never sends the ticket, the token or the client secret to the other origin', async () => {
    const credentials = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };
    const token = await issuerLeaking('token_endpoint');
    await assert.rejects(redeemTicket(token.addTicket(), { issuer: token.issuer, ...credentials, audience: token.audience }), {
      code: 'issuer_bad_response',
    });
    const revocation = await issuerLeaking('revocation_endpoint');
    await assert.rejects(revokeToken('some-token', { issuer: revocation.issuer, ...credentials }), { code: 'issuer_bad_response' });
    const keys = await issuerLeaking('jwks_uri');
    const signed = await keys.sign(keys.claims());
    await assert.rejects(verifyImpersonationToken(signed, { issuer: keys.issuer, audience: keys.audience }), {
      code: 'issuer_bad_response',
    });
    assert.equal(seenByEvil.length, 0, 'nothing reached the other origin');
  });
});
