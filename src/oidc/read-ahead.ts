/**
 * Store reads started ahead of the provider's own lookups, in the round trip of other
 * reads. The mint checks the admin's actor token with the provider's code (the token, its
 * session binding by uid, its grant: three dependent reads) and needs the admin, their
 * passkeys and more besides; the keys the check read the last time the same token was
 * presented are read again at once, together with those, and the adapter takes each
 * result as it asks for that key (once). The provider checks what it gets exactly as it
 * would what it reads itself: these are this request's reads, only started earlier. A key
 * it asks for that was not read ahead is read then, as always.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface AdapterRead {
  key: string;
  /** A model record (hash) or a uid index (string). */
  kind: 'hash' | 'string';
}

interface Scope {
  ahead: Map<string, Promise<unknown>>;
  read: AdapterRead[];
}

const scopes = new AsyncLocalStorage<Scope>();

/**
 * Runs `work` with `ahead` (logical key → the read under way) offered to the adapter, and
 * answers what it returned with every key the adapter read meanwhile, in order.
 */
export async function withReadAhead<T>(ahead: Map<string, Promise<unknown>>, work: () => Promise<T>): Promise<{ result: T; read: AdapterRead[] }> {
  // A read the provider does not ask for this time (or not before it fails) must not go unhandled.
  for (const pending of ahead.values()) pending.catch(() => undefined);
  const scope: Scope = { ahead, read: [] };
  const result = await scopes.run(scope, work);
  return { result, read: scope.read };
}

/** For the adapter: the read of `key` under way for this request (taken once), and a note that it was read. */
export function readAhead<T>(read: AdapterRead): Promise<T> | undefined {
  const scope = scopes.getStore();
  if (!scope) return undefined;
  scope.read.push(read);
  const pending = scope.ahead.get(read.key);
  scope.ahead.delete(read.key);
  return pending as Promise<T> | undefined;
}
