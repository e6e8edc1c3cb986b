/**
 * What `npm start` says when a port it needs is taken: what is wrong and, in development,
 * exactly what to run instead — the same command on ports that are free right now (the dev
 * config's URLs follow `PORT` and `GATEHOUSE_DEMO_PORT`, src/config/dev-ports.ts).
 */
import { createServer } from 'node:net';

/** Whether a port can be listened on now, as the servers listen (every interface). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, () => probe.close(() => resolve(true)));
  });
}

/** The first free port after `from` (at most 100 tried), skipping `except`; undefined if none. */
export async function freePortAfter(from: number, except: readonly number[] = []): Promise<number | undefined> {
  for (let port = from + 1; port <= Math.min(from + 100, 65535); port++) {
    if (!except.includes(port) && (await portIsFree(port))) return port;
  }
  return undefined;
}

export interface TakenPort {
  /** The port that was taken. */
  port: number;
  /** What could not start: `Gatehouse` or `the demo tenant app`. */
  what: string;
  /** The environment variables that would move it, with free ports; empty when none would. */
  instead: Record<string, number>;
}

/** The one line for stderr (without the `gatehouse: ` prefix). */
export function portTakenMessage(taken: TakenPort): string {
  const moves = Object.entries(taken.instead);
  const command = moves.map(([name, port]) => `${name}=${port}`).join(' ');
  const otherwise = moves.length === 0 ? '' : `, or run it on ${moves.length > 1 ? 'free ports' : 'a free port'}: ${command} npm start`;
  return `port ${taken.port} is already in use, so ${taken.what} cannot start. Stop what uses it (lsof -i :${taken.port})${otherwise}`;
}

/**
 * The variables that move Gatehouse (`PORT`, when the issuer follows it) and the demo app
 * (`GATEHOUSE_DEMO_PORT`, when its port is taken too) to free ports.
 */
export async function movesFor(options: {
  gatehousePort?: number;
  demoPort?: number;
  /** Whether the issuer comes from PORT (GATEHOUSE_ISSUER and the file's issuer unset). */
  issuerFollowsPort: boolean;
}): Promise<Record<string, number>> {
  const moves: Record<string, number> = {};
  const taken: number[] = [];
  if (options.gatehousePort !== undefined && options.issuerFollowsPort) {
    const port = await freePortAfter(options.gatehousePort, [options.demoPort ?? -1]);
    if (port !== undefined) {
      moves.PORT = port;
      taken.push(port);
    }
  }
  if (options.demoPort !== undefined && !(await portIsFree(options.demoPort))) {
    const port = await freePortAfter(options.demoPort, [...taken, options.gatehousePort ?? -1]);
    if (port !== undefined) moves.GATEHOUSE_DEMO_PORT = port;
  }
  return moves;
}
