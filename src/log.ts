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

export type { Logger };
