/**
 * oidc-provider adapter over the Gatehouse store (Redis or memory).
 *
 * Each model instance is a hash `{ payload, consumed? }` so that `consume()` is one atomic
 * HSETNX. oidc-provider checks `consumed` in memory and then calls `consume()` ignoring its
 * result (OIDC-PROVIDER-NOTES "Single use"): under concurrency several requests pass the
 * check. So the adapter itself refuses the second consumer, revokes the whole grant and
 * throws InvalidGrant (RFC 6749 §4.1.2: a code used twice SHOULD revoke what it issued).
 */
import { errors, type Adapter, type AdapterPayload, type Provider } from 'oidc-provider';
import { keys } from '../store/keys.js';
import { readAhead } from './read-ahead.js';
import type { Store } from '../store/types.js';
import { revokeGrant } from './account-grants.js';

/** Models whose records are indexed by grantId, so a grant can be revoked as a whole. */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'ClientCredentials',
]);

/**
 * `clientMetadata` answers the provider's `Client` lookups from the in-process view of runtime
 * configuration (PROTOCOL §11): with no static clients configured, oidc-provider asks the
 * adapter on every client lookup (and caches the Client it builds by the metadata's hash),
 * so a client created, changed or deleted on any instance counts here as soon as the view
 * has it, without a Redis round trip on the token endpoint.
 */
export function createAdapterClass(store: Store, getProvider: () => Provider | undefined, clientMetadata: (id: string) => AdapterPayload | undefined) {
  return class StoreAdapter implements Adapter {
    constructor(readonly name: string) {}

    key(id: string) {
      return keys.oidcModel(this.name, id);
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const key = this.key(id);
      const ttl = expiresIn > 0 ? Math.ceil(expiresIn) : undefined;
      await store.del(key);
      await store.hset(key, { payload: JSON.stringify(payload) }, ttl);
      const writes: Promise<unknown>[] = [];
      if (GRANTABLE.has(this.name) && payload.grantId) {
        writes.push(store.sadd(keys.oidcGrant(payload.grantId), key, ttl));
      }
      // An account's grants, so disabling it revokes them (account-grants.ts, PROTOCOL §10.2).
      if (this.name === 'Grant' && payload.accountId) writes.push(store.sadd(keys.oidcAccountGrants(payload.accountId), id, ttl));
      if (payload.userCode) writes.push(store.set(keys.oidcUserCode(payload.userCode), id, { ttl }));
      if (payload.uid) writes.push(store.set(keys.oidcUid(payload.uid), id, { ttl }));
      await Promise.all(writes);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.name === 'Client') return clientMetadata(id);
      const key = this.key(id);
      const record = await (readAhead<Record<string, string> | null>({ key, kind: 'hash' }) ?? store.hgetall(key));
      if (!record?.payload) return undefined;
      const payload = JSON.parse(record.payload) as AdapterPayload;
      if (record.consumed) payload.consumed = Number(record.consumed);
      return payload;
    }

    async findByUid(uid: string) {
      const key = keys.oidcUid(uid);
      const id = await (readAhead<string | null>({ key, kind: 'string' }) ?? store.get(key));
      return id ? this.find(id) : undefined;
    }

    async findByUserCode(userCode: string) {
      const id = await store.get(keys.oidcUserCode(userCode));
      return id ? this.find(id) : undefined;
    }

    async consume(id: string): Promise<void> {
      const key = this.key(id);
      const now = String(Math.floor(Date.now() / 1000));
      // The winner is decided by SET NX on a marker that a revocation never deletes. An
      // HSETNX on the record alone let a late consumer win on a record the first loser's
      // revocation had just deleted (HSETNX recreates it): two redemptions of one code.
      const left = await store.ttl(key);
      const won = left !== -2 && (await store.set(keys.oidcConsumed(this.name, id), now, { nx: true, ttl: left > 0 ? left : 86400 }));
      if (won) {
        // `find()` reports it, for oidc-provider's own reuse detection. The TTL again, in
        // case a revocation deleted the record meanwhile and this write recreated it.
        await store.hset(key, { consumed: now }, left > 0 ? left : undefined);
        // A consumed marker a failover could lose would let the code be redeemed again.
        await store.waitForReplicas(keys.oidcConsumed(this.name, id));
        return;
      }
      // A second consumer: a replayed code or refresh token. Revoke everything the grant
      // issued (including the Grant itself, which stops tokens the winner saves later).
      const record = await store.hgetall(key);
      const grantId = record?.payload ? (JSON.parse(record.payload) as AdapterPayload).grantId : undefined;
      if (grantId) {
        await revokeGrant(store, grantId);
        const provider = getProvider();
        const ctx = provider ? safeCtx(provider) : undefined;
        if (provider && ctx) provider.emit('grant.revoked', ctx, grantId);
      }
      throw new errors.InvalidGrant(`${this.name} already used`);
    }

    async destroy(id: string): Promise<void> {
      await store.del(this.key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const members = await store.smembers(keys.oidcGrant(grantId));
      await Promise.all(members.map((k) => store.del(k)));
      await store.del(keys.oidcGrant(grantId));
    }
  };
}

function safeCtx(provider: Provider) {
  try {
    return (provider.constructor as unknown as { ctx?: unknown }).ctx;
  } catch {
    return undefined;
  }
}
