/// <reference types="node" />
/**
 * Software WebAuthn authenticator for tests: a P-256 / ES256 platform authenticator plus the
 * browser glue (clientDataJSON, base64url JSON), producing exactly what
 * `navigator.credentials.create()/get()` + `.toJSON()` would send to the server.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { Encoder } from 'cbor-x';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

// Canonical-enough CBOR: minimal map headers, no records/tags (SimpleWebAuthn re-encodes the COSE key).
const cbor = new Encoder({ useRecords: false, variableMapSize: true, mapsAsObjects: false, tagUint8Array: false });

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;
const ES256 = -7;

interface HeldCredential {
  id: string; // base64url
  rawId: Buffer;
  rpId: string;
  userHandle?: string; // base64url, as given in options.user.id
  counter: number;
  privateKey: KeyObject;
}

export interface AuthenticatorOptions {
  /** Sets the UV flag (default true). */
  userVerified?: boolean;
  /** Sets BE+BS flags, i.e. a synced passkey / 'multiDevice' (default false). */
  backupEligible?: boolean;
  /** 16-byte AAGUID (default all zeros, as with `none` attestation). */
  aaguid?: Uint8Array;
}

export interface AssertionOverrides {
  /** rpId hashed into authenticatorData (default: options.rpId / origin host). Credential lookup still uses the requested rpId. */
  rpId?: string;
  /** Force this credential, bypassing allowCredentials / rpId matching. */
  credentialId?: string;
  /** Use this exact signCount (and remember it) instead of counter + 1. */
  counter?: number;
  /** Produce a well-formed DER signature over the wrong data. */
  tamperSignature?: boolean;
  /** clientDataJSON.type (default 'webauthn.get'). */
  clientDataType?: string;
}

const sha256 = (data: string | Uint8Array): Buffer => createHash('sha256').update(data).digest();
const b64url = (data: Uint8Array): string => Buffer.from(data).toString('base64url');
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

export class SoftwareAuthenticator {
  readonly #userVerified: boolean;
  readonly #backupEligible: boolean;
  readonly #aaguid: Buffer;
  readonly #creds: HeldCredential[] = [];

  constructor(options: AuthenticatorOptions = {}) {
    this.#userVerified = options.userVerified ?? true;
    this.#backupEligible = options.backupEligible ?? false;
    this.#aaguid = Buffer.from(options.aaguid ?? new Uint8Array(16));
    if (this.#aaguid.length !== 16) throw new Error('aaguid must be 16 bytes');
  }

  get credentials(): ReadonlyArray<{ id: string; rpId: string; userHandle?: string; counter: number }> {
    return this.#creds.map(({ id, rpId, userHandle, counter }) =>
      userHandle === undefined ? { id, rpId, counter } : { id, rpId, userHandle, counter },
    );
  }

  setCounter(credentialId: string, counter: number): void {
    this.#find(credentialId).counter = counter;
  }

  /** Answers navigator.credentials.create() for generateRegistrationOptions() output. */
  createCredential(
    options: PublicKeyCredentialCreationOptionsJSON,
    origin: string,
    overrides: { rpId?: string } = {},
  ): RegistrationResponseJSON {
    const rpId = options.rp.id ?? new URL(origin).hostname;
    if (!options.pubKeyCredParams.some((p) => p.type === 'public-key' && p.alg === ES256)) {
      throw new Error('NotSupportedError: ES256 (-7) not offered in pubKeyCredParams');
    }
    const excluded = new Set((options.excludeCredentials ?? []).map((c) => c.id));
    if (this.#creds.some((c) => c.rpId === rpId && excluded.has(c.id))) {
      throw new Error('InvalidStateError: authenticator already holds an excluded credential');
    }

    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const coseKey = new Map<number, number | Buffer>([
      [1, 2], // kty: EC2
      [3, ES256], // alg
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x ?? '', 'base64url')],
      [-3, Buffer.from(jwk.y ?? '', 'base64url')],
    ]);
    const rawId = randomBytes(32);
    const credIdLen = Buffer.alloc(2);
    credIdLen.writeUInt16BE(rawId.length);
    const authData = Buffer.concat([
      this.#authDataHeader(overrides.rpId ?? rpId, FLAG_AT, 0),
      this.#aaguid,
      credIdLen,
      rawId,
      cbor.encode(coseKey),
    ]);
    const attestationObject = cbor.encode(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    const cred: HeldCredential = { id: b64url(rawId), rawId, rpId, userHandle: options.user.id, counter: 0, privateKey };
    this.#creds.push(cred);

    return {
      id: cred.id,
      rawId: cred.id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(this.#clientData('webauthn.create', options.challenge, origin)),
        attestationObject: b64url(attestationObject),
        authenticatorData: b64url(authData),
        transports: ['internal'],
        publicKeyAlgorithm: ES256,
        publicKey: b64url(publicKey.export({ type: 'spki', format: 'der' })),
      },
    };
  }

  /** Answers navigator.credentials.get() for generateAuthenticationOptions() output. */
  getAssertion(
    options: PublicKeyCredentialRequestOptionsJSON,
    origin: string,
    overrides: AssertionOverrides = {},
  ): AuthenticationResponseJSON {
    const rpId = options.rpId ?? new URL(origin).hostname;
    const allowed = new Set((options.allowCredentials ?? []).map((c) => c.id));
    const cred =
      overrides.credentialId !== undefined
        ? this.#find(overrides.credentialId)
        : this.#creds.find((c) => c.rpId === rpId && (allowed.size === 0 || allowed.has(c.id)));
    if (!cred) throw new Error(`NotAllowedError: no credential for rpId ${rpId}`);

    cred.counter = overrides.counter ?? cred.counter + 1;
    const authData = this.#authDataHeader(overrides.rpId ?? rpId, 0, cred.counter);
    const clientDataJSON = this.#clientData(overrides.clientDataType ?? 'webauthn.get', options.challenge, origin);
    const signed = Buffer.concat([authData, sha256(clientDataJSON)]);
    if (overrides.tamperSignature) signed[signed.length - 1]! ^= 0xff;
    // Node's default dsaEncoding for EC keys is 'der', which is what WebAuthn ES256 expects.
    const signature = sign('sha256', signed, cred.privateKey);

    return {
      id: cred.id,
      rawId: cred.id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(cred.userHandle !== undefined && { userHandle: cred.userHandle }),
      },
    };
  }

  #find(credentialId: string): HeldCredential {
    const cred = this.#creds.find((c) => c.id === credentialId);
    if (!cred) throw new Error(`Unknown credential ${credentialId}`);
    return cred;
  }

  #authDataHeader(rpId: string, extraFlags: number, counter: number): Buffer {
    let flags = FLAG_UP | extraFlags;
    if (this.#userVerified) flags |= FLAG_UV;
    if (this.#backupEligible) flags |= FLAG_BE | FLAG_BS;
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), u32(counter)]);
  }

  #clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }
}
