import assert from 'node:assert/strict';
import { test } from 'node:test';
import { characterCount } from '../../src/text/free-text.js';

test('characterCount: printable ASCII by its length, everything else by grapheme clusters', () => {
  assert.equal(characterCount(''), 0);
  assert.equal(characterCount('BENCH-1: load test'), 18);
  assert.equal(characterCount('~ !'), 3);
  assert.equal(characterCount('é'), 1, 'e + combining acute');
  assert.equal(characterCount('a👍🏽b'), 3);
  assert.equal(characterCount('🇫🇷'), 1);
  assert.equal(characterCount('a\r\nb'), 3, 'CR LF is one cluster');
});
