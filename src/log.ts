/**
 * The one root logger. Children per request carry the request id. Anything that could
 * hold a credential is redacted (CONVENTIONS "Log with pino").
 */
import { pino, type Logger } from 'pino';

/**
 * Keys whose values never reach a log line (CONVENTIONS "Log with pino"): credentials,
 * tickets, authorization codes, cookies, and every `*_token`.
 */
const SECRET_KEYS = new Set(['password', 'client_secret', 'secret', 'ticket', 'code', 'authorization', 'cookie']);
const isSecretKey = (key: string) => SECRET_KEYS.has(key) || key.endsWith('_token');
export const REDACTED = '[redacted]';
/** How deep redaction looks into what is logged: `{ req: { headers: { authorization } } }` is three. */
const REDACT_DEPTH = 3;

/**
 * What is logged, with the value of every secret key (see above) within the first three
 * levels replaced by `[redacted]`. Copies only what it changes; the caller's object is left
 * as it was. Errors go to pino's own serializer as they are (their `code` is an errno name).
 *
 * pino's `redact` option did the same through @pinojs/redact, which parsed every path again
 * for every property of every line: a fifth of all the bytes the server allocated under load
 * (bench/README.md). This is a walk over the few keys a line has.
 */
export function redactSecrets<T>(value: T, depth = 1): T {
  if (depth > REDACT_DEPTH || value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const redacted = redactSecrets(item, depth + 1);
      if (redacted === item) return;
      copy ??= [...value];
      copy[i] = redacted;
    });
    return (copy ?? value) as T;
  }
  let copy: Record<string, unknown> | undefined;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const item = (value as Record<string, unknown>)[key];
    const redacted = isSecretKey(key) && item !== undefined ? REDACTED : redactSecrets(item, depth + 1);
    if (redacted === item) continue;
    copy ??= { ...(value as Record<string, unknown>) };
    copy[key] = redacted;
  }
  return (copy ?? value) as T;
}

export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: NodeJS.WritableStream): Logger {
  const logger = pino({ level, formatters: { log: (object) => redactSecrets(object) }, base: { service: 'gatehouse' } }, destination ?? process.stdout);
  // A child's bindings skip pino's formatters; children inherit this (they are made from their parent).
  const child = logger.child;
  logger.child = function (this: Logger, bindings, options) {
    return child.call(this, redactSecrets(bindings), options);
  } as Logger['child'];
  return logger;
}

/**
 * pino-pretty as an in-process stream, for a person at a terminal in dev: colours, local time,
 * one short line per request (`GET /admin 200 12ms`), no pid, hostname or request id.
 * A devDependency: production never loads it.
 */
export async function prettyDestination(destination: NodeJS.WritableStream = process.stdout): Promise<NodeJS.WritableStream> {
  const { default: pretty } = await import('pino-pretty');
  return pretty({
    destination,
    colorize: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,service,requestId,method,path,status,ms',
    singleLine: true,
    messageFormat: (log, messageKey) =>
      log[messageKey] === 'request' ? `${log.method} ${log.path} ${log.status} ${log.ms}ms` : String(log[messageKey]),
  });
}

export type { Logger };
