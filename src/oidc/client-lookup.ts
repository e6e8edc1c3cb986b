/**
 * The provider's `Client` for a client of the runtime view, built once per view.
 *
 * With no static clients, oidc-provider answers every `Client.find` by asking the adapter
 * and looking up the Client it built by the SHA-256 of the metadata's JSON: a stringify and
 * a hash of the whole client on every token request. The view never changes in place (a
 * new configuration version is a new view with new client objects), so the Client built for
 * a view's client object is the Client for as long as that object is current; a client
 * created, changed or deleted anywhere is a new object (or none) in the next view, and the
 * provider builds (or refuses) it as before.
 */
import type Provider from 'oidc-provider';
import type { TenancyView } from '../tenancy/index.js';

type Find = (id: unknown) => Promise<unknown>;

export function memoizeClientLookup(provider: Provider, view: () => TenancyView) {
  const Client = provider.Client as unknown as { find: Find };
  const find = Client.find.bind(provider.Client) as Find;
  const built = new WeakMap<object, unknown>();
  Client.find = async (id) => {
    // Read in the same tick as the adapter's own read below (find calls it synchronously).
    const current = typeof id === 'string' ? view().client(id) : undefined;
    if (!current) return find(id);
    const cached = built.get(current);
    if (cached) return cached;
    const client = await find(id);
    if (client) built.set(current, client);
    return client;
  };
}
