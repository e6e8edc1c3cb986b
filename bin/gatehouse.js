#!/usr/bin/env node
// The `gatehouse` command. Runs the compiled CLI when `npm run build` has made it (production
// installs, no TypeScript loader needed); otherwise registers tsx in this process and runs
// the TypeScript source, which avoids a second Node process and any stdin/signal relaying.
import { existsSync } from 'node:fs';

const built = new URL('../dist/src/cli/index.js', import.meta.url);
let entry = built;
if (!existsSync(built)) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('../src/cli/index.ts', import.meta.url);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
