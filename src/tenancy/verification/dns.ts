/**
 * The DNS proof of a domain (PROTOCOL §11): a TXT record at `_gatehouse.<host>` holding
 * `gatehouse-domain-verification=<token>` (the same shape as other providers' ownership
 * records, one name per purpose under an underscore label, RFC 8552).
 */
import { Resolver } from 'node:dns/promises';
import { TenancyError } from '../errors.js';

export const TXT_PREFIX = 'gatehouse-domain-verification=';

/** Where the TXT record goes for a domain: its host name without the port. */
export const txtName = (origin: string) => `_gatehouse.${new URL(origin).hostname}`;

export interface DnsCheckOptions {
  timeoutMs: number;
  /** `host:port` of the servers to ask; the system's when absent. */
  servers?: string[];
}

/** Resolves when the TXT record holds `token`; throws why not otherwise. */
export async function checkDnsToken(origin: string, token: string, options: DnsCheckOptions): Promise<void> {
  const resolver = new Resolver({ timeout: options.timeoutMs, tries: 1 });
  if (options.servers?.length) resolver.setServers(options.servers);
  const name = txtName(origin);
  let records: string[][];
  try {
    records = await resolver.resolveTxt(name);
  } catch (err) {
    throw new TenancyError('domain_verification_failed', `no TXT record at ${name} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  // A TXT record may come in several strings of at most 255 bytes (RFC 7208 §3.3): joined, they are the value.
  if (!records.some((parts) => parts.join('') === `${TXT_PREFIX}${token}`)) {
    throw new TenancyError('domain_verification_failed', `the TXT record at ${name} does not hold this domain's token`);
  }
}
