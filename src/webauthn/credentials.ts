/**
 * Stored passkeys: one JSON record per credential (`keys.passkey(id)`) plus a set of
 * credential ids per account (`keys.accountPasskeys(kind, id)`). The set is the source of
 * truth for "is this passkey registered": a record outside its account's set (a half
 * finished registration, or a usage update racing a removal) is treated as unknown.
 */
import type { AccountKind } from '../accounts/types.js';
import { keys } from '../store/keys.js';
import type { Store } from '../store/types.js';

export type DeviceType = 'singleDevice' | 'multiDevice';

export interface StoredPasskey {
  /** Credential id, base64url. */
  id: string;
  accountKind: AccountKind;
  accountId: string;
  /** COSE public key, base64url. */
  publicKey: string;
  /** Last signature counter seen (WebAuthn L3 §6.1.1). */
  counter: number;
  /** `singleDevice`: bound to one authenticator (amr `hwk`); `multiDevice`: synced (amr `swk`). */
  deviceType: DeviceType;
  backedUp: boolean;
  transports: string[];
  name: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  lastUsedAt: number | null;
}

export interface CredentialStore {
  /** False when a credential with this id already exists. */
  add(passkey: StoredPasskey): Promise<boolean>;
  find(id: string): Promise<StoredPasskey | null>;
  /** Oldest first. */
  list(kind: AccountKind, accountId: string): Promise<StoredPasskey[]>;
  count(kind: AccountKind, accountId: string): Promise<number>;
  recordUse(passkey: StoredPasskey, use: { counter: number; backedUp: boolean; at: number }): Promise<void>;
  /** Writes a new name; a passkey removed meanwhile stays removed (its record is not revived). */
  rename(passkey: StoredPasskey, name: string): Promise<StoredPasskey>;
  /** False when the account holds no such passkey. */
  remove(kind: AccountKind, accountId: string, id: string): Promise<boolean>;
}

const CREDENTIAL_ID = /^[A-Za-z0-9_-]{16,1400}$/;

export function createCredentialStore(store: Store): CredentialStore {
  const read = async (id: string): Promise<StoredPasskey | null> => {
    if (!CREDENTIAL_ID.test(id)) return null;
    const raw = await store.get(keys.passkey(id));
    return raw ? (JSON.parse(raw) as StoredPasskey) : null;
  };
  const ids = (kind: AccountKind, accountId: string) => store.smembers(keys.accountPasskeys(kind, accountId));

  return {
    async add(passkey) {
      if (!(await store.set(keys.passkey(passkey.id), JSON.stringify(passkey), { nx: true }))) return false;
      await store.sadd(keys.accountPasskeys(passkey.accountKind, passkey.accountId), passkey.id);
      // A passkey a failover could lose would leave its admin unable to step up.
      await store.waitForReplicas(keys.passkey(passkey.id));
      await store.waitForReplicas(keys.accountPasskeys(passkey.accountKind, passkey.accountId));
      return true;
    },

    async find(id) {
      const passkey = await read(id);
      if (!passkey) return null;
      return (await ids(passkey.accountKind, passkey.accountId)).includes(id) ? passkey : null;
    },

    async list(kind, accountId) {
      const found = await Promise.all((await ids(kind, accountId)).map(read));
      return found
        .filter((p): p is StoredPasskey => p !== null && p.accountId === accountId)
        .sort((a, b) => a.createdAt - b.createdAt);
    },

    async count(kind, accountId) {
      return (await ids(kind, accountId)).length;
    },

    async recordUse(passkey, use) {
      const updated: StoredPasskey = { ...passkey, counter: use.counter, backedUp: use.backedUp, lastUsedAt: use.at };
      await store.set(keys.passkey(passkey.id), JSON.stringify(updated));
    },

    async rename(passkey, name) {
      const renamed: StoredPasskey = { ...passkey, name };
      // SET XX semantics by hand: only while the record still exists.
      if (await store.get(keys.passkey(passkey.id))) await store.set(keys.passkey(passkey.id), JSON.stringify(renamed));
      return renamed;
    },

    async remove(kind, accountId, id) {
      if (!(await ids(kind, accountId)).includes(id)) return false;
      // The set first: from then on the passkey is unknown, even to a usage update in flight.
      await store.srem(keys.accountPasskeys(kind, accountId), id);
      await store.del(keys.passkey(id));
      return true;
    },
  };
}
