/**
 * Webhook notifications end to end: audit log → notifier → queue → HTTP receiver on
 * 127.0.0.1. The same suite runs on BullMQ over a real redis-server and on the dev-only
 * in-process queue.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { type AuditEvent, type AuditEventInput, createAuditLog } from '../../src/audit/index.js';
import { type NotifierOptions, SIGNATURE_HEADER, createNotifier, verifyWebhookSignature } from '../../src/delivery/index.js';
import { createMemoryStore } from '../../src/store/index.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { type Receiver, capturingLogger, startReceiver, uniquePrefix, waitFor } from '../audit/helpers.js';

const SIGNING_SECRET = 'whsec_do_not_log_me';

const startedInput: AuditEventInput = {
  type: 'impersonation.started',
  admin: 'adm_1',
  user: 'usr_9',
  tenant: 'acme',
  client: 'console',
  reason: 'Customer asked <!channel> for help & more',
  outcome: 'success',
  sid: 's-1',
  details: { adminEmail: 'alice@gatehouse.dev', userEmail: 'bob@acme.test' },
};

const endedInput: AuditEventInput = {
  type: 'impersonation.ended',
  admin: 'adm_1',
  user: 'usr_9',
  tenant: 'acme',
  outcome: 'success',
  sid: 's-1',
  code: 'revoked',
  details: { adminEmail: 'alice@gatehouse.dev', userEmail: 'bob@acme.test', endedBy: 'user' },
};

interface Mode {
  name: string;
  connection: () => NotifierOptions['queueConnection'];
}

let redis: RedisServer | undefined;
const modes: Mode[] = [
  { name: 'BullMQ on Redis', connection: () => ({ url: redis!.url }) },
  { name: 'the in-process dev queue', connection: () => null },
];

before(async () => {
  redis = await startRedisServer();
});
after(async () => {
  await redis?.stop();
});

for (const mode of modes) {
  describe(`webhooks through ${mode.name}`, () => {
    const cleanup: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const step of cleanup.splice(0).reverse()) await step();
    });

    async function receiver(answer?: (n: number) => number, path?: string): Promise<Receiver> {
      const r = await startReceiver(answer, path);
      cleanup.push(() => r.close());
      return r;
    }

    async function notifier(options: Omit<NotifierOptions, 'queueConnection' | 'logger'>) {
      const { logger, lines } = capturingLogger();
      const n = createNotifier({ ...options, logger, queueConnection: mode.connection(), prefix: uniquePrefix('wh') });
      cleanup.push(() => n.close());
      await n.start();
      // A memory audit log is enough here: the log's own suites cover Redis.
      const audit = createAuditLog(createMemoryStore(), { onAppended: (event) => void n.notify(event) });
      return { notifier: n, audit, lines };
    }

    test('slack text and the signed JSON event reach the receivers that want them', async () => {
      const slack = await receiver();
      const json = await receiver();
      const { audit } = await notifier({
        webhooks: [
          { url: slack.url, events: ['impersonation.started', 'impersonation.ended'], format: 'slack' },
          { url: json.url, events: ['*'], format: 'json', secret: SIGNING_SECRET },
        ],
      });

      const started = await audit.append(startedInput);
      const ended = await audit.append(endedInput);
      const login = await audit.append({ type: 'admin.login', admin: 'adm_1', outcome: 'success' });

      await waitFor('slack deliveries', () => slack.requests.length === 2);
      await waitFor('json deliveries', () => json.requests.length === 3);

      const texts = slack.requests.map((r) => (JSON.parse(r.body) as { text: string }).text).sort();
      assert.deepEqual(texts, [
        ':rotating_light: Support impersonation started — admin alice@gatehouse.dev is acting as bob@acme.test on acme' +
          ' (reason: Customer asked &lt;!channel&gt; for help &amp; more; session s-1)',
        ':white_check_mark: Support impersonation ended — admin alice@gatehouse.dev is no longer acting as' +
          ' bob@acme.test on acme (why: revoked by user; session s-1)',
      ]);
      assert.ok(slack.requests.every((r) => r.headers['content-type'] === 'application/json'));
      assert.ok(slack.requests.every((r) => r.headers[SIGNATURE_HEADER.toLowerCase()] === undefined));

      const byId = new Map<string, AuditEvent>([started, ended, login].map((e) => [e.id, e]));
      for (const request of json.requests) {
        const header = request.headers[SIGNATURE_HEADER.toLowerCase()] as string;
        assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
        assert.equal(verifyWebhookSignature(SIGNING_SECRET, header, request.body), true);
        assert.equal(verifyWebhookSignature('wrong', header, request.body), false);
        const event = JSON.parse(request.body) as AuditEvent;
        assert.deepEqual(event, byId.get(event.id));
        assert.equal(request.headers['gatehouse-event-id'], event.id);
        assert.equal(request.headers['gatehouse-event-type'], event.type);
      }
      assert.deepEqual(new Set(json.requests.map((r) => JSON.parse(r.body).id)), new Set(byId.keys()));
    });

    test('a receiver failing three times gets the event exactly once, and a re-notify adds nothing', async () => {
      const flaky = await receiver((n) => (n < 3 ? 503 : 200));
      const { audit, notifier: n } = await notifier({
        webhooks: [{ url: flaky.url, events: ['*'], format: 'json', secret: SIGNING_SECRET }],
        attempts: 8,
        backoffMs: 50,
      });
      const event = await audit.append(startedInput);

      await waitFor('a successful delivery', () => flaky.requests.some((r) => r.status === 200));
      assert.deepEqual(
        flaky.requests.map((r) => r.status),
        [503, 503, 503, 200],
      );
      assert.ok(flaky.requests.every((r) => JSON.parse(r.body).id === event.id));
      // Backoff doubles: 50, 100, 200 ms between tries, so no retry came early.
      const gaps = flaky.requests.slice(1).map((r, i) => r.at - flaky.requests[i]!.at);
      for (const [i, gap] of gaps.entries()) assert.ok(gap >= 50 * 2 ** i - 5, `retry ${i + 1} came after ${gap} ms`);
      // Each try is signed when it is sent, and verifies.
      assert.ok(flaky.requests.every((r) => verifyWebhookSignature(SIGNING_SECRET, r.headers['gatehouse-signature'] as string, r.body)));

      // Same event again (a caller retrying notify): the job id is taken, nothing is sent.
      await n.notify(event);
      const other = await audit.append(endedInput);
      await waitFor('the next event', () => flaky.requests.some((r) => JSON.parse(r.body).id === other.id));
      assert.equal(flaky.requests.filter((r) => JSON.parse(r.body).id === event.id && r.status === 200).length, 1);
      assert.equal(flaky.requests.length, 5);
      assert.deepEqual(await n.deadLetters(), []);
    });

    test('a receiver that always fails ends in the dead letters, with no secret in logs or the console', async () => {
      let healthy = false;
      const down = await receiver(() => (healthy ? 200 : 500), '/services/T000/B000/slack-url-secret');
      const closed = await startReceiver();
      const refusedUrl = closed.url;
      await closed.close();
      const { audit, notifier: n, lines } = await notifier({
        webhooks: [
          { url: down.url, events: ['impersonation.started'], format: 'slack', secret: SIGNING_SECRET },
          { url: refusedUrl, events: ['impersonation.started'], format: 'json', secret: SIGNING_SECRET },
        ],
        attempts: 3,
        backoffMs: 20,
      });
      const event = await audit.append(startedInput);

      const letters = await waitFor('two dead letters', async () => {
        const found = await n.deadLetters();
        return found.length === 2 ? found : undefined;
      });
      assert.equal(down.requests.length, 3);
      const origin = new URL(down.url).origin;
      const byId = new Map(letters.map((l) => [l.id, l]));
      const first = byId.get(`${event.id}-0`);
      assert.deepEqual({ ...first, failedAt: undefined }, {
        id: `${event.id}-0`,
        url: `${origin}/services/…`,
        eventType: 'impersonation.started',
        eventId: event.id,
        attempts: 3,
        lastError: 'HTTP 500',
        failedAt: undefined,
      });
      assert.ok(Math.abs(Date.parse(first!.failedAt) - Date.now()) < 60_000);
      const second = byId.get(`${event.id}-1`);
      assert.equal(second?.lastError, 'network error: ECONNREFUSED');
      assert.equal(second?.attempts, 3);
      assert.equal(second?.url, refusedUrl);

      const logged = lines.join('');
      assert.match(logged, /dead letter/);
      assert.doesNotMatch(logged, /slack-url-secret/);
      assert.doesNotMatch(logged, new RegExp(SIGNING_SECRET));

      // The receiver recovers; an operator retries the dead letter from the console.
      healthy = true;
      await n.retryDeadLetter(first!.id);
      await waitFor('the retried delivery', () => down.requests.some((r) => r.status === 200));
      await waitFor('the dead letter to leave the list', async () => (await n.deadLetters()).length === 1);
      await assert.rejects(n.retryDeadLetter(first!.id), /no dead letter/);
      await assert.rejects(n.retryDeadLetter('no-such-job'), /no dead letter/);
    });

    test('notify never throws, even after the queue is closed', async () => {
      const r = await receiver();
      const { logger, lines } = capturingLogger();
      const n = createNotifier({
        webhooks: [{ url: r.url, events: ['*'], format: 'json', secret: SIGNING_SECRET }],
        queueConnection: mode.connection(),
        logger,
        prefix: uniquePrefix('closed'),
      });
      await n.close();
      const event = await createAuditLog(createMemoryStore()).append(startedInput);
      await n.notify(event);
      assert.match(lines.join(''), /could not queue webhook notifications/);
    });
  });
}

describe('webhooks on BullMQ: durability', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  test('jobs queued by one process are delivered by another that starts later', async () => {
    const r = await startReceiver();
    cleanup.push(() => r.close());
    const prefix = uniquePrefix('handoff');
    const webhooks = [{ url: r.url, events: ['*'], format: 'json' as const, secret: SIGNING_SECRET }];
    const producer = createNotifier({ webhooks, queueConnection: { url: redis!.url }, logger: capturingLogger().logger, prefix });
    const event = await createAuditLog(createMemoryStore()).append(startedInput);
    await producer.notify(event); // never started: this process only enqueues
    await producer.close();
    assert.equal(r.requests.length, 0);

    const consumer = createNotifier({ webhooks, queueConnection: { url: redis!.url }, logger: capturingLogger().logger, prefix });
    cleanup.push(() => consumer.close());
    await consumer.start();
    await waitFor('the handed-off delivery', () => r.requests.length === 1);
    assert.equal(JSON.parse(r.requests[0]!.body).id, event.id);
  });

  test('a job whose webhook left the config is a dead letter at once, not retried', async () => {
    const r = await startReceiver();
    cleanup.push(() => r.close());
    const prefix = uniquePrefix('gone');
    const old = createNotifier({
      webhooks: [{ url: `${r.url}?old`, events: ['*'], format: 'json', secret: SIGNING_SECRET }],
      queueConnection: { url: redis!.url },
      logger: capturingLogger().logger,
      prefix,
    });
    const event = await createAuditLog(createMemoryStore()).append(startedInput);
    await old.notify(event);
    await old.close();

    const afterChange = createNotifier({
      webhooks: [{ url: r.url, events: ['*'], format: 'json', secret: SIGNING_SECRET }],
      queueConnection: { url: redis!.url },
      logger: capturingLogger().logger,
      prefix,
      attempts: 5,
    });
    cleanup.push(() => afterChange.close());
    await afterChange.start();
    const [letter] = await waitFor('the dead letter', async () => {
      const found = await afterChange.deadLetters();
      return found.length === 1 ? found : undefined;
    });
    assert.equal(letter!.attempts, 1);
    assert.match(letter!.lastError, /no longer configured/);
    assert.equal(r.requests.length, 0);
  });

  test('notify returns, without throwing, while Redis is down', async () => {
    const own = await startRedisServer();
    const { logger, lines } = capturingLogger();
    const n = createNotifier({
      webhooks: [{ url: 'http://127.0.0.1:9/hook', events: ['*'], format: 'json', secret: SIGNING_SECRET }],
      queueConnection: { url: own.url },
      logger,
      prefix: uniquePrefix('down'),
    });
    const event = await createAuditLog(createMemoryStore()).append(startedInput);
    await own.stop();
    const startedAt = Date.now();
    await n.notify(event);
    assert.ok(Date.now() - startedAt < 8_000);
    assert.match(lines.join(''), /could not queue webhook notifications/);
    await own.restart();
    await n.close();
    await own.stop();
  });
});

describe('webhook config', () => {
  test('unknown event types and non-http URLs are refused at startup', () => {
    const { logger } = capturingLogger();
    assert.throws(
      () => createNotifier({ webhooks: [{ url: 'https://example.test/h', events: ['impersonation.begun'], format: 'json' }], queueConnection: null, logger }),
      /unknown event type impersonation\.begun/,
    );
    assert.throws(
      () => createNotifier({ webhooks: [{ url: 'ftp://example.test/h', events: ['*'], format: 'json' }], queueConnection: null, logger }),
      /must be http/,
    );
  });

  test('an unsigned json webhook and plain http to a remote host are warned about', async () => {
    const { logger, lines } = capturingLogger();
    const n = createNotifier({
      webhooks: [{ url: 'http://hooks.example.test/services/T/B/secret', events: ['*'], format: 'json' }],
      queueConnection: null,
      logger,
    });
    await n.close();
    const logged = lines.join('');
    assert.match(logged, /without a secret/);
    assert.match(logged, /plain http/);
    assert.doesNotMatch(logged, /T\/B\/secret/);
  });
});
