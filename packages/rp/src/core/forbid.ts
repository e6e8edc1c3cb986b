import { prefersJson } from './accept.js';
import { NO_STORE_HEADERS, renderDefaultPage } from './page.js';

/** Options of `forbidWhileImpersonating`, the same for every adapter. */
export interface ForbidWhileImpersonatingOptions {
  /** What the admin is told (plain text; it is escaped in the HTML page). */
  message?: string;
}

export const DEFAULT_FORBID_MESSAGE =
  'This action is not available while a support agent is signed in as this user. Stop impersonating to continue.';

export const FORBID_ORDER_ERROR = 'forbidWhileImpersonating() must run after gatehouseRp(): the impersonation is not set';

/** The 403 a guarded action answers while impersonating: JSON when the client prefers it, else an HTML page. */
export function forbiddenAnswer(
  accept: string | null | undefined,
  message: string,
): { status: 403; headers: Record<string, string>; body: string } {
  if (prefersJson(accept)) {
    return {
      status: 403,
      headers: { ...NO_STORE_HEADERS, 'Content-Type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ error: 'forbidden_while_impersonating', error_description: message }),
    };
  }
  return {
    status: 403,
    headers: { ...NO_STORE_HEADERS, 'Content-Type': 'text/html; charset=utf-8' },
    body: renderDefaultPage({ status: 403, title: 'Not available while impersonating', paragraphs: [message] }),
  };
}
