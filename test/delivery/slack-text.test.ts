import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditEvent } from '../../src/audit/index.js';
import { formatSlackText } from '../../src/delivery/index.js';

const base: AuditEvent = {
  id: 'e1',
  time: '2030-01-01T00:00:00.000Z',
  type: 'impersonation.started',
  outcome: 'success',
  admin: 'adm_1',
  user: 'usr_9',
  tenant: 'acme',
  log: 'acme',
  index: 0,
};

test('a replay names who, where, the session and the source address', () => {
  const text = formatSlackText({ ...base, type: 'impersonation.ticket_replayed', outcome: 'failure', code: 'ticket_replayed', sid: 's-7', ip: '198.51.100.7' });
  assert.equal(
    text,
    ':warning: Impersonation ticket replayed — a ticket for admin adm_1 acting as usr_9 on acme was presented' +
      ' a second time and refused (code: ticket_replayed; session s-7; from 198.51.100.7)',
  );
});

test('ids stand in for missing emails; an ended session without a code says so', () => {
  assert.equal(
    formatSlackText({ ...base, type: 'impersonation.ended', sid: 's-7' }),
    ':white_check_mark: Support impersonation ended — admin adm_1 is no longer acting as usr_9 on acme (why: not recorded; session s-7)',
  );
  assert.match(formatSlackText({ ...base, type: 'impersonation.ended', code: 'expired' }), /\(why: expired\)$/);
});

test('a denial carries its reason code; other events get a generic line', () => {
  assert.match(
    formatSlackText({ ...base, type: 'impersonation.denied', outcome: 'failure', code: 'actor_not_stepped_up' }),
    /^:no_entry: Support impersonation denied — admin adm_1 may not act as usr_9 on acme \(code: actor_not_stepped_up\)$/,
  );
  assert.equal(
    formatSlackText({ ...base, type: 'admin.login', user: undefined, tenant: undefined }),
    'Gatehouse audit event admin.login (success) (admin adm_1)',
  );
});

test('Slack control characters in any interpolated value are escaped', () => {
  const text = formatSlackText({
    ...base,
    reason: '<!here> see <https://evil.test|docs> & more',
    details: { adminEmail: '<@U123>', userEmail: 'a&b@acme.test' },
  });
  assert.ok(!/[<>]/.test(text), text);
  assert.match(text, /admin &lt;@U123&gt; is acting as a&amp;b@acme\.test/);
  assert.match(text, /reason: &lt;!here&gt; see &lt;https:\/\/evil\.test\|docs&gt; &amp; more/);
});

test('a checkpoint says which log, how many events and the root, escaped', () => {
  const text = formatSlackText({ id: 'checkpoint-acme-7', type: 'audit.checkpoint', log: 'acme<!channel>', origin: 'id.example.com/audit/acme', size: 7, rootHash: 'abc=', checkpoint: '…', time: '2030-01-01T00:00:00.000Z' });
  assert.equal(text, ':lock: Audit checkpoint — the acme&lt;!channel&gt; log holds 7 events (root abc=)');
});

test('a protection change says what changed, from what to what, and who changed it', () => {
  const text = formatSlackText({
    ...base,
    type: 'tenant.protection_changed',
    admin: undefined,
    user: undefined,
    client: 'ops',
    details: { changed: 'consent', 'before.consent': '"approval"', 'after.consent': '"none"', by: 'ops', via: 'manage-api' },
  });
  assert.equal(text, ':shield: Protections of acme changed — consent "approval" → "none" (by ops; via manage-api)');
});
