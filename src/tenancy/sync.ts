/**
 * Keeps this process's view of runtime configuration current (PROTOCOL §11: every instance
 * enforces a change within 1 s). A commit publishes its version; this process reloads when
 * a message names a version newer than its view's. Messages can be lost (a reconnect, a
 * Cluster subscriber moving to another node), so every `pollMs` it also reads the version
 * alone (one GET, off every request's path) and reloads when it moved.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/types.js';
import { buildView, EMPTY_VIEW, type TenancyView } from './view.js';

export interface TenancySync {
  /** The current view: synchronous, no I/O. */
  view(): TenancyView;
  /** Loads the first view, subscribes and starts polling. */
  start(): Promise<void>;
  /**
   * Reloads now if the store is at a newer version than the view (one round trip when it is
   * not), and answers the view: for reads that must see every change made anywhere so far.
   */
  refresh(): Promise<TenancyView>;
  /** Loads the view at least at `version` (after this process committed it). */
  reachVersion(version: number): Promise<TenancyView>;
  /** Called with each new view (after it is current). */
  onChange(listener: (view: TenancyView) => void): void;
  stop(): Promise<void>;
}

export function createTenancySync(store: Store, options: { pollMs: number; logger?: Logger }): TenancySync {
  const { logger } = options;
  let current = EMPTY_VIEW;
  let loading: Promise<TenancyView> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;
  const listeners: ((view: TenancyView) => void)[] = [];

  /** One load at a time; a request for another while one runs is served by one more after it. */
  function load(): Promise<TenancyView> {
    if (loading) {
      again = true;
      return loading;
    }
    loading = (async () => {
      try {
        do {
          again = false;
          const read = await store.tenancyRead();
          // Loads run one at a time, so this read is the newest: install it, even at a lower
          // version than the view's (a store restored from a backup is the truth too).
          if (read.version !== current.version || current === EMPTY_VIEW) {
            current = buildView(read, (kind, id) => logger?.error({ kind, id }, 'unreadable or malformed configuration record skipped'));
            for (const listener of listeners) listener(current);
          }
        } while (again);
        return current;
      } finally {
        loading = undefined;
      }
    })();
    return loading;
  }

  /** Two reads at most: a store that went back meanwhile is not waited for. */
  async function reachVersion(version: number): Promise<TenancyView> {
    for (let i = 0; i < 2 && current.version < version; i++) await load();
    return current;
  }

  async function refresh(): Promise<TenancyView> {
    const version = await store.tenancyVersion();
    return version !== current.version ? load() : current;
  }

  const check = (reason: string) => {
    refresh().catch((err) => logger?.warn({ err, reason }, 'could not check the configuration version; serving the last one read'));
  };

  return {
    view: () => current,
    async start() {
      await load();
      unsubscribe = await store
        .tenancySubscribe((version) => {
          if (version === null || version !== current.version) check('message');
        })
        .catch((err) => {
          // Polling alone still keeps this instance within `pollMs` of every change.
          logger?.warn({ err }, 'could not subscribe to configuration changes; polling only');
          return undefined;
        });
      timer = setInterval(() => check('poll'), options.pollMs);
      timer.unref();
    },
    refresh,
    reachVersion,
    onChange: (listener) => void listeners.push(listener),
    async stop() {
      clearInterval(timer);
      await unsubscribe?.().catch(() => undefined);
      await loading?.catch(() => undefined);
    },
  };
}
