/**
 * The one root logger. Children per request carry the request id. Anything that could
 * hold a credential is redacted (CONVENTIONS "Log with pino").
 */
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = [
  'password',
  '*.password',
  'client_secret',
  '*.client_secret',
  'ticket',
  '*.ticket',
  'code',
  '*.code',
  'authorization',
  '*.authorization',
  'cookie',
  '*.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'id_token',
  '*.id_token',
  'subject_token',
  '*.subject_token',
  'actor_token',
  '*.actor_token',
  'secret',
  '*.secret',
];

export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'gatehouse' } },
    destination ?? process.stdout,
  );
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
