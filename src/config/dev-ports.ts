/**
 * Any ports in development. The dev config names its URLs on the default ports: Gatehouse on
 * `http://localhost:3000` (the console's callback and post-logout URIs) and the demo tenant
 * app on `http://<tenant>.localhost:4000` (tenant domains; tenant clients' redirect,
 * post-logout and back-channel logout URIs). Outside production they follow the issuer
 * (`GATEHOUSE_ISSUER`, else `http://localhost:<PORT>`) and the demo app's port
 * (`GATEHOUSE_DEMO_PORT`), so `PORT=3200 GATEHOUSE_DEMO_PORT=4200 npm start` runs the same
 * file on other ports. Production configs name real https origins and are left alone.
 */

/** Where the dev config expects Gatehouse. */
export const DEV_ISSUER = 'http://localhost:3000';
/** Where the dev config expects the demo tenant app. */
export const DEV_DEMO_PORT = 4000;

const ON_DEV_ISSUER = /^http:\/\/localhost:3000(?=\/|$)/;
const ON_DEV_DEMO = /^(http:\/\/(?:[a-z0-9-]+\.)+localhost):4000(?=\/|$)/i;

/** `GATEHOUSE_DEMO_PORT`, or the default; null when it is not a port. */
export function demoPortFromEnv(env: NodeJS.ProcessEnv): number | null {
  const value = env.GATEHOUSE_DEMO_PORT;
  if (value === undefined || value === '') return DEV_DEMO_PORT;
  const port = Number(value);
  return /^\d+$/.test(value) && port > 0 && port <= 65535 ? port : null;
}

/**
 * Returns a copy of a (file) config whose URLs on the dev defaults follow `issuer` and
 * `demoPort`. Whole URL strings only: a string that merely contains one is left alone.
 *
 * @example
 * followDevPorts(raw, 'http://localhost:3200', 4200).clients[0].redirectUris
 * // ['http://localhost:3200/admin/callback']
 */
export function followDevPorts<T>(config: T, issuer: string, demoPort: number): T {
  const follow = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replace(ON_DEV_ISSUER, issuer).replace(ON_DEV_DEMO, `$1:${demoPort}`);
    }
    if (Array.isArray(value)) return value.map(follow);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, follow(v)]));
    return value;
  };
  return follow(config) as T;
}
