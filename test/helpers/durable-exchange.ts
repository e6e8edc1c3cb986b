/**
 * The fault suites' setup: a redis-server of its own that keeps what it acknowledged (AOF,
 * appendfsync always), so it can be killed and started again; a Gatehouse on it with no
 * practical ticket limit; alice stepped up (her actor token) and bob's user id.
 */
import type { StartOptions, TestGatehouse } from './gatehouse.js';
import { SoftwareAuthenticator } from './authenticator.js';
import { signInConsole, stepUp } from './console.js';
import { enrollAdmin } from './enroll.js';
import { freeNodePort, type RedisNode, scratchDir, startNode } from './redis-node.js';
import { startExchangeGatehouse, userId } from '../exchange/setup.js';

export interface DurableExchange {
  redis: RedisNode;
  gh: TestGatehouse;
  actor: string;
  bob: string;
  stop(): Promise<void>;
}

export async function startDurableExchange(name: string, options: Pick<StartOptions, 'storePrefix' | 'configure'> = {}): Promise<DurableExchange> {
  const redis = await startNode(await freeNodePort(), ['appendonly yes', 'appendfsync always', 'save ""'], { parent: scratchDir(name) });
  const gh = await startExchangeGatehouse({
    redisUrl: `redis://127.0.0.1:${redis.port}`,
    ...(options.storePrefix ? { storePrefix: options.storePrefix } : {}),
    configure: (raw) => {
      raw.policy.rateLimits = { ticketsPerAdmin: { points: 1_000_000, duration: 60 } };
      options.configure?.(raw);
    },
  });
  gh.gatehouse.services.logger.level = 'fatal';
  const key = new SoftwareAuthenticator();
  const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
  await enrollAdmin(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, key, 'key');
  const actor = (await stepUp(gh.issuer, agent, key)).accessToken;
  return {
    redis,
    gh,
    actor,
    bob: await userId(gh, 'acme', 'bob@acme.test'),
    async stop() {
      await gh.stop();
      await redis.kill();
    },
  };
}
