/**
 * A passkey registration (through an enrollment link) and step-up print nothing to stderr: no ExperimentalWarning lines
 * (Node 24 warns when Web Crypto's `supports()` or ML-DSA is touched, as @simplewebauthn's
 * defaults do). Runs the ceremonies in this process and listens for every process warning.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';

describe('passkey ceremonies emit no process warnings', () => {
  const warnings: string[] = [];
  const record = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  let gh: TestGatehouse;
  before(async () => {
    process.on('warning', record);
    gh = await startGatehouse();
  });
  after(async () => {
    process.off('warning', record);
    await gh?.stop();
  });

  it('registers a passkey and steps up with it without an ExperimentalWarning', async () => {
    const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    const authenticator = new SoftwareAuthenticator();
    await enrollAdmin(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, authenticator, 'laptop');
    assert.equal((await stepUp(gh.issuer, agent, authenticator)).acr, 'phr');
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(warnings, []);
  });
});
