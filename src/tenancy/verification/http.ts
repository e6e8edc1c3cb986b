/**
 * The HTTP proof of a domain (PROTOCOL §11): its owner serves the token at
 * `<origin>/.well-known/gatehouse-domain-verification` (RFC 8615 well-known URI). The check
 * resolves the host once, refuses special-purpose addresses (outside dev), and connects to
 * exactly the address it checked, so a DNS answer that changes between the check and the
 * connection (rebinding) cannot send it elsewhere. It follows no redirect to another host,
 * gives up after `timeoutMs` all told, and reads at most 4 KiB of the answer.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { TenancyError } from '../errors.js';
import { isPublicAddress } from './addresses.js';

export const WELL_KNOWN_PATH = '/.well-known/gatehouse-domain-verification';
const MAX_BODY_BYTES = 4096;
const MAX_REDIRECTS = 2;

export interface Address {
  address: string;
  family: 4 | 6;
}

export interface HttpCheckOptions {
  timeoutMs: number;
  /** Loopback and private addresses too (dev and tests: `*.localhost` is loopback). */
  allowPrivateAddresses: boolean;
  /** Every address of a name (default: the system resolver, as `dns.lookup` with `all`). */
  lookup?: (host: string) => Promise<Address[]>;
}

const systemLookup = async (host: string) => (await dnsLookup(host, { all: true, verbatim: true })) as Address[];

/** `promise`, or a rejection once `signal` aborts (a resolver's own wait cannot be cut short). */
function within<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((done, fail) => {
    const abort = () => fail(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(done, fail).finally(() => signal.removeEventListener('abort', abort));
  });
}

/** RFC 6761 §6.3: `localhost` and names under it are loopback, whatever a resolver says. */
async function resolve(hostname: string, options: HttpCheckOptions, signal: AbortSignal): Promise<Address[]> {
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  const literal = isIP(host);
  if (literal) return [{ address: host, family: literal as 4 | 6 }];
  if (host === 'localhost' || host.endsWith('.localhost')) return [{ address: '127.0.0.1', family: 4 }];
  try {
    return await within((options.lookup ?? systemLookup)(host), signal);
  } catch {
    throw new TenancyError('domain_verification_failed', signal.aborted ? `${host}: no answer within ${options.timeoutMs} ms` : `${host} does not resolve`);
  }
}

/** A lookup that answers the address already checked, whatever the system resolver would say now. */
const pinned =
  (to: Address): LookupFunction =>
  (_hostname, options, callback) => {
    if (options.all) (callback as unknown as (e: null, a: Address[]) => void)(null, [to]);
    else callback(null, to.address, to.family);
  };

interface Answer {
  status: number;
  location?: string;
  body: string;
}

function get(url: URL, to: Address, signal: AbortSignal): Promise<Answer> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolveAnswer, reject) => {
    const req = request(url, { method: 'GET', lookup: pinned(to), signal, headers: { accept: 'text/plain', 'user-agent': 'Gatehouse-Domain-Verification/1' } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          // Only the beginning matters: the token is short.
          chunks.push(chunk.subarray(0, MAX_BODY_BYTES - (size - chunk.length)));
          res.destroy();
          finish();
          return;
        }
        chunks.push(chunk);
      });
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        const location = res.headers.location;
        resolveAnswer({ status: res.statusCode ?? 0, ...(location ? { location } : {}), body: Buffer.concat(chunks).toString('utf8') });
      };
      res.on('end', finish);
      res.on('error', (err) => (done ? undefined : reject(err)));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolves when `origin` serves `token` at the well-known path; throws why not otherwise. */
export async function checkHttpToken(origin: string, token: string, options: HttpCheckOptions): Promise<void> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let url = new URL(WELL_KNOWN_PATH, origin);
  for (let hop = 0; ; hop++) {
    const addresses = await resolve(url.hostname, options, signal);
    // Every address must be acceptable: a name that also resolves inward is refused outright.
    if (!options.allowPrivateAddresses && (addresses.length === 0 || !addresses.every((a) => isPublicAddress(a.address)))) {
      throw new TenancyError('domain_address_forbidden', `${url.hostname} resolves to a loopback, private or otherwise special-purpose address`);
    }
    let answer: Answer;
    try {
      answer = await get(url, addresses[0]!, signal);
    } catch (err) {
      const why = signal.aborted ? `no answer within ${options.timeoutMs} ms` : `cannot connect (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
      throw new TenancyError('domain_verification_failed', `${url.origin}: ${why}`);
    }
    if (answer.status >= 300 && answer.status < 400 && answer.location) {
      const next = URL.canParse(answer.location, url) ? new URL(answer.location, url) : null;
      const sameHost = next && next.hostname === url.hostname && (next.protocol === url.protocol || next.protocol === 'https:');
      if (!next || !sameHost || hop >= MAX_REDIRECTS) {
        throw new TenancyError('domain_verification_failed', `${url.origin} redirects elsewhere; serve the token at ${WELL_KNOWN_PATH} on the domain itself`);
      }
      url = next;
      continue;
    }
    if (answer.status !== 200) throw new TenancyError('domain_verification_failed', `${url.href} answered ${answer.status}`);
    if (!answer.body.split(/\r?\n/).some((line) => line.trim() === token)) {
      throw new TenancyError('domain_verification_failed', `${url.href} does not serve this domain's token`);
    }
    return;
  }
}
