/**
 * Proving control of a custom domain before it is used (PROTOCOL §11): a domain added at
 * runtime is `pending` until its owner serves its token over HTTP or in DNS.
 */
import { checkDnsToken, txtName, TXT_PREFIX } from './dns.js';
import { type Address, checkHttpToken, WELL_KNOWN_PATH } from './http.js';

export type ProofMethod = 'http' | 'dns';

export interface DomainVerifier {
  /** Resolves when the proof holds; throws a TenancyError saying why not. */
  verify(origin: string, token: string, method: ProofMethod): Promise<void>;
}

export interface DomainVerifierOptions {
  timeoutMs: number;
  allowPrivateAddresses: boolean;
  dnsServers?: string[];
  /** The HTTP check's resolver of a name's addresses (default: the system's). */
  lookup?: (host: string) => Promise<Address[]>;
}

export function createDomainVerifier(options: DomainVerifierOptions): DomainVerifier {
  return {
    verify: (origin, token, method) =>
      method === 'dns'
        ? checkDnsToken(origin, token, { timeoutMs: options.timeoutMs, ...(options.dnsServers ? { servers: options.dnsServers } : {}) })
        : checkHttpToken(origin, token, options),
  };
}

/** What the domain's owner must publish, for either proof. */
export function proofInstructions(origin: string, token: string) {
  return {
    http: { url: `${origin}${WELL_KNOWN_PATH}`, body: token },
    dns: { name: txtName(origin), type: 'TXT' as const, value: `${TXT_PREFIX}${token}` },
  };
}
