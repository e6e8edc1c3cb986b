/** The production build (`dist/`) the benches run, built fresh so they measure this checkout. */
import { spawnSync } from 'node:child_process';

export function buildProduction(say: (line: string) => void): void {
  say('npm run build');
  const build = spawnSync('npm', ['run', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) throw new Error('npm run build failed');
}
