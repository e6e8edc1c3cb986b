#!/usr/bin/env node
// The `gatehouse` command. In a checkout (src/ present, tsx installed) it registers tsx in this
// process and runs the TypeScript source, so a dist/ left behind by an earlier build (npm run
// bench makes one) never runs stale code; one process, no stdin/signal relaying. Where there is
// no source or no TypeScript loader (the Docker image, production installs) it runs the
// compiled CLI that `npm run build` made.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/index.ts', import.meta.url);
let entry = new URL('../dist/src/cli/index.js', import.meta.url);
if (existsSync(source)) {
  try {
    const { register } = await import('tsx/esm/api');
    register();
    entry = source;
  } catch {
    // No tsx (installed without devDependencies): the compiled CLI.
  }
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
