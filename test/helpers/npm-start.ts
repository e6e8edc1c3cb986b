/**
 * `npm start` as a newcomer runs it: the dev config as shipped (its URLs on 3000 and 4000
 * follow PORT and GATEHOUSE_DEMO_PORT), the memory store, none of Gatehouse's variables but
 * the ones given. Either src/server.ts directly or through `npm start` itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { testKeys } from './gatehouse.js';

export interface DevRun {
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  exited: Promise<number | null>;
  /** Resolves once stdout says it is running (or rejects with what it said on exit). */
  running(): Promise<void>;
  /** SIGTERM to the process started, its exit code, then nothing left of its process group. */
  stop(): Promise<number | null>;
}

/**
 * Starts the dev server as `npm start` does, with the dev config as shipped (its URLs on
 * 3000/4000 follow PORT and GATEHOUSE_DEMO_PORT) and the memory store; or `npm start` itself.
 */
export async function dev(env: Record<string, string>, via: 'server' | 'npm' = 'server'): Promise<DevRun> {
  const npm = process.env.npm_execpath;
  const [command, args] =
    via === 'server'
      ? [process.execPath, ['--import', 'tsx', resolve('src/server.ts')]]
      : npm
        ? [process.execPath, [npm, 'start']]
        : ['npm', ['start']];
  // A newcomer's environment: none of Gatehouse's variables but these.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(GATEHOUSE_|REDIS_|PORT$|TENANT_APP_)/.test(name)));
  const child = spawn(command, args, {
    env: { ...inherited, GATEHOUSE_KEYS: await testKeys(), NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A group of its own, so whatever it leaves behind can be cleaned up (see the signal test).
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  // A server that wrongly keeps running is stopped, so the test fails instead of hanging.
  const timer = setTimeout(() => child.kill('SIGKILL'), 280_000).unref();
  const exited = new Promise<number | null>((done) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      done(code);
    }),
  );
  const sweep = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // the group is gone: nothing was left behind
    }
  };
  return {
    child,
    output: () => ({ stdout, stderr }),
    exited,
    async running() {
      for (;;) {
        if (/Gatehouse is running at/.test(stdout) && stdout.endsWith('\n\n')) return;
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}:\n${stdout}${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      sweep();
      return code;
    },
  };
}
