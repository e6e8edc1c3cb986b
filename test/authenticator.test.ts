/// <reference types="node" />
import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { SoftwareAuthenticator } from './helpers/authenticator.js';

const ORIGIN = 'http://localhost'; // an origin in clientDataJSON only: nothing connects
const RP_ID = 'localhost';

async function register(auth: SoftwareAuthenticator, opts: { origin?: string; rpId?: string; requireUV?: boolean } = {}) {
  const options = await generateRegistrationOptions({ rpName: 'Gatehouse', rpID: RP_ID, userName: 'alice' });
  const response = auth.createCredential(options, opts.origin ?? ORIGIN, opts.rpId ? { rpId: opts.rpId } : {});
  const result = await verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification: opts.requireUV ?? true,
  });
  return { options, response, result };
}

async function registered(auth: SoftwareAuthenticator): Promise<WebAuthnCredential> {
  const { result } = await register(auth, { requireUV: false });
  assert.ok(result.verified);
  return result.registrationInfo.credential;
}

async function authenticate(
  auth: SoftwareAuthenticator,
  credential: WebAuthnCredential,
  overrides: Parameters<SoftwareAuthenticator['getAssertion']>[2] & { origin?: string; discoverable?: boolean } = {},
) {
  const { origin = ORIGIN, discoverable = false, ...rest } = overrides;
  const options = await generateAuthenticationOptions({
    rpID: RP_ID,
    userVerification: 'required',
    allowCredentials: discoverable ? [] : [{ id: credential.id, transports: ['internal'] }],
  });
  const response = auth.getAssertion(options, origin, rest);
  const result = await verifyAuthenticationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential,
    requireUserVerification: true,
  });
  return { response, result };
}

describe('SoftwareAuthenticator vs @simplewebauthn/server', () => {
  it('registration verifies with none attestation', async () => {
    const auth = new SoftwareAuthenticator();
    const { options, response, result } = await register(auth);
    assert.ok(result.verified);
    const info = result.registrationInfo;
    assert.equal(info.fmt, 'none');
    assert.equal(info.userVerified, true);
    assert.equal(info.credential.counter, 0);
    assert.equal(info.credential.id, response.id);
    assert.equal(info.aaguid, '00000000-0000-0000-0000-000000000000');
    assert.equal(info.credentialDeviceType, 'singleDevice');
    assert.equal(info.credentialBackedUp, false);
    assert.equal(response.authenticatorAttachment, 'platform');
    assert.deepEqual(response.response.transports, ['internal']);
    assert.equal(response.response.publicKeyAlgorithm, -7);
    assert.deepEqual(auth.credentials, [{ id: response.id, rpId: RP_ID, userHandle: options.user.id, counter: 0 }]);
  });

  it('authentication verifies and increments the counter; signature is DER', async () => {
    const auth = new SoftwareAuthenticator();
    const { response: reg, result: regResult } = await register(auth);
    assert.ok(regResult.verified);
    const credential = regResult.registrationInfo.credential;

    const first = await authenticate(auth, credential);
    assert.equal(first.result.verified, true);
    assert.equal(first.result.authenticationInfo.newCounter, 1);
    assert.equal(first.result.authenticationInfo.userVerified, true);

    // Node's default ECDSA encoding is DER: the SPKI key from registration verifies it directly.
    const r = first.response.response;
    const signed = Buffer.concat([
      Buffer.from(r.authenticatorData, 'base64url'),
      createHash('sha256').update(Buffer.from(r.clientDataJSON, 'base64url')).digest(),
    ]);
    const spki = createPublicKey({ key: Buffer.from(reg.response.publicKey!, 'base64url'), format: 'der', type: 'spki' });
    assert.equal(verify('sha256', signed, spki, Buffer.from(r.signature, 'base64url')), true);

    credential.counter = first.result.authenticationInfo.newCounter;
    const second = await authenticate(auth, credential, { discoverable: true });
    assert.equal(second.result.verified, true);
    assert.equal(second.result.authenticationInfo.newCounter, 2);
    assert.equal(second.response.response.userHandle, auth.credentials[0]?.userHandle);
    assert.equal(auth.credentials[0]?.counter, 2);
  });

  it('tampered signature yields verified: false without throwing', async () => {
    const auth = new SoftwareAuthenticator();
    const credential = await registered(auth);
    const { result } = await authenticate(auth, credential, { tamperSignature: true });
    assert.equal(result.verified, false);
  });

  it('wrong origin throws', async () => {
    const auth = new SoftwareAuthenticator();
    await assert.rejects(register(auth, { origin: 'http://evil.example:3000' }), /origin/i);
    const credential = await registered(auth);
    await assert.rejects(authenticate(auth, credential, { origin: 'http://evil.example:3000' }), /origin/i);
  });

  it('wrong rpId throws', async () => {
    const auth = new SoftwareAuthenticator();
    await assert.rejects(register(auth, { rpId: 'evil.example' }), /RP ID/i);
    const credential = await registered(auth);
    await assert.rejects(authenticate(auth, credential, { rpId: 'evil.example' }), /RP ID/i);
  });

  it('wrong clientData type throws', async () => {
    const auth = new SoftwareAuthenticator();
    const credential = await registered(auth);
    await assert.rejects(authenticate(auth, credential, { clientDataType: 'webauthn.create' }), /type/i);
  });

  it('a counter going backwards throws', async () => {
    const auth = new SoftwareAuthenticator();
    const credential = await registered(auth);
    const { result } = await authenticate(auth, credential, { counter: 5 });
    assert.equal(result.authenticationInfo.newCounter, 5);
    credential.counter = 5;
    auth.setCounter(credential.id, 2); // next assertion reports 3 < 5
    await assert.rejects(authenticate(auth, credential), /counter/i);
    await assert.rejects(authenticate(auth, credential, { counter: 5 }), /counter/i); // equal is rejected too
  });

  it('userVerified: false fails verification when UV is required', async () => {
    const auth = new SoftwareAuthenticator({ userVerified: false });
    await assert.rejects(register(auth, { requireUV: true }), /user verification/i);
    const credential = await registered(auth);
    await assert.rejects(authenticate(auth, credential), /user verification/i);
  });

  it('backupEligible: true yields multiDevice; default singleDevice', async () => {
    const synced = new SoftwareAuthenticator({ backupEligible: true });
    const { result } = await register(synced);
    assert.ok(result.verified);
    assert.equal(result.registrationInfo.credentialDeviceType, 'multiDevice');
    assert.equal(result.registrationInfo.credentialBackedUp, true);
    const auth = await authenticate(synced, result.registrationInfo.credential);
    assert.equal(auth.result.authenticationInfo.credentialDeviceType, 'multiDevice');

    const local = new SoftwareAuthenticator();
    const credential = await registered(local);
    const localAuth = await authenticate(local, credential);
    assert.equal(localAuth.result.authenticationInfo.credentialDeviceType, 'singleDevice');
    assert.equal(localAuth.result.authenticationInfo.credentialBackedUp, false);
  });

  it('honours excludeCredentials like a browser (InvalidStateError)', async () => {
    const auth = new SoftwareAuthenticator();
    const credential = await registered(auth);
    const options = await generateRegistrationOptions({
      rpName: 'Gatehouse',
      rpID: RP_ID,
      userName: 'alice',
      excludeCredentials: [{ id: credential.id }],
    });
    assert.throws(() => auth.createCredential(options, ORIGIN), /InvalidStateError/);
  });
});
