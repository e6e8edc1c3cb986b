/**
 * Runtime configuration on the memory store (see tenancy.ts), with the Redis scripts'
 * replies and refusals. One process: each call is synchronous inside one tick (atomic),
 * and publishing is an in-process event.
 */
import { EventEmitter } from 'node:events';
import { parseRecordField, recordField, type TenancyCommit, type TenancyStore } from './tenancy.js';

export function memoryTenancyCommands(): TenancyStore {
  let version = 0;
  const records = new Map<string, { body: string; rev: number }>();
  const changes = new EventEmitter();

  return {
    async tenancyRead() {
      return {
        version,
        records: [...records].flatMap(([field, r]) => {
          const name = parseRecordField(field);
          return name ? [{ ...name, rev: r.rev, body: r.body }] : [];
        }),
      };
    },
    async tenancyVersion() {
      return version;
    },
    async tenancyCommit(guards, writes, options = {}): Promise<TenancyCommit> {
      if (options.expectVersion !== undefined && options.expectVersion !== version) return { ok: false, conflict: 'version' };
      for (const g of guards) {
        const rev = records.get(recordField(g.kind, g.id))?.rev ?? null;
        if (rev !== g.rev) return { ok: false, conflict: { kind: g.kind, id: g.id } };
      }
      if (writes.length === 0) return { ok: true, version };
      version += 1;
      for (const w of writes) {
        if (w.body === '') throw new Error('a record body is never empty');
        const field = recordField(w.kind, w.id);
        if (w.body === null) records.delete(field);
        else records.set(field, { body: w.body, rev: version });
      }
      const published = version;
      // Delivered after the commit returns, as a message from Redis would be.
      queueMicrotask(() => changes.emit('version', published));
      return { ok: true, version };
    },
    async tenancySubscribe(listener) {
      const onVersion = (v: number) => listener(v);
      changes.on('version', onVersion);
      listener(null);
      return async () => {
        changes.off('version', onVersion);
      };
    },
  };
}
