/**
 * Delivery: the durable outbound queue (BullMQ on Redis, the in-process queue in dev)
 * and what rides it: webhook notifications of audit events and checkpoints (PROTOCOL.md
 * §6) and OpenID Connect back-channel logout tokens (§8). Everything outside this folder
 * imports from here.
 */
export { SIGNATURE_HEADER, signWebhook, verifyWebhookSignature } from './signature.js';
export { formatSlackText } from './slack-text.js';
export { redactWebhookUrl } from './webhook-delivery.js';
export { type DeadLetter, type Notifier, type NotifierOptions, type WebhookConfig, createNotifier } from './webhooks.js';
export { type BackchannelLogout, type BackchannelLogoutOptions, createBackchannelLogout } from './backchannel-logout.js';
// The queue itself, for a delivery of another kind.
export { createBullmqWebhookQueue } from './queue-bullmq.js';
export { createMemoryWebhookQueue } from './queue-memory.js';
export { PermanentWebhookError, type QueuedJob, type WebhookQueue } from './queue.js';
