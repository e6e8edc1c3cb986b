import { createHash } from 'node:crypto';
import type { Notification } from '../audit/index.js';
import { SIGNATURE_HEADER, signWebhook } from './signature.js';
import { formatSlackText } from './slack-text.js';

export interface WebhookConfig {
  url: string;
  /** Event types to send, or `'*'` for all of them. */
  events: string[];
  /** `slack`: `{"text": …}` for Slack-compatible incoming webhooks; `json`: the event. */
  format: 'slack' | 'json';
  /** HMAC key for `Gatehouse-Signature`; strongly recommended for `json`. */
  secret?: string;
}

export const DELIVERY_TIMEOUT_MS = 10_000;

/** A non-2xx answer, a timeout, or a network error: the queue retries it. */
export class WebhookDeliveryError extends Error {
  override readonly name = 'WebhookDeliveryError';
}

/**
 * A webhook URL is often itself the credential (Slack's `/services/T…/B…/secret`), so
 * logs, job data and the console only ever see the origin and first path segment.
 */
export function redactWebhookUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const [first, ...rest] = parsed.pathname.split('/').filter(Boolean);
    return `${parsed.origin}${first ? `/${first}` : ''}${rest.length > 0 || parsed.search ? '/…' : ''}`;
  } catch {
    return 'invalid-url';
  }
}

/** Identifies a webhook across restarts and config reordering without storing its URL. */
export function webhookKey(webhook: WebhookConfig): string {
  return createHash('sha256').update(`${webhook.format} ${webhook.url}`).digest('hex').slice(0, 32);
}

/** `*` is every event type; checkpoints (a steady stream) only when named. */
export function webhookWants(webhook: WebhookConfig, event: Notification): boolean {
  return webhook.events.includes(event.type) || (webhook.events.includes('*') && event.type !== 'audit.checkpoint');
}

/**
 * One POST of one event. Signed at send time, not at enqueue time, so a retry hours
 * later still passes the receiver's timestamp tolerance. Receivers should de-duplicate
 * on `Gatehouse-Event-Id`: delivery is at least once.
 */
export async function deliverWebhook(webhook: WebhookConfig, event: Notification, now = new Date()): Promise<void> {
  const body = webhook.format === 'slack' ? JSON.stringify({ text: formatSlackText(event) }) : JSON.stringify(event);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Gatehouse-Webhooks/1',
    'gatehouse-event-id': event.id,
    'gatehouse-event-type': event.type,
  };
  if (webhook.secret) headers[SIGNATURE_HEADER] = signWebhook(webhook.secret, body, now);

  let response: Response;
  try {
    response = await fetch(webhook.url, {
      method: 'POST',
      headers,
      body,
      // A redirect is an answer we did not ask for: fail rather than re-POST elsewhere.
      redirect: 'manual',
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
  } catch (error) {
    throw new WebhookDeliveryError(describeFetchError(error));
  }
  // Nobody reads the answer; release the connection.
  await response.body?.cancel().catch(() => {});
  if (response.status < 200 || response.status > 299) {
    throw new WebhookDeliveryError(`HTTP ${response.status}`);
  }
}

/** Error text without the URL (undici's messages name host:port at most). */
function describeFetchError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${DELIVERY_TIMEOUT_MS} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return `network error: ${cause.code}`;
  return `network error: ${error instanceof Error ? error.message : String(error)}`;
}
