/**
 * Every refusal of an activity report (`POST /impersonation/activity`), with its stable
 * reason code and how it goes on the wire (RFC 6749 §5.2 style bodies).
 */
export const activityReasons = {
  client_unauthenticated: { error: 'invalid_client', status: 401, description: 'authenticate as your tenant client (client_secret_basic)' },
  client_not_tenant: { error: 'unauthorized_client', status: 400, description: 'only a tenant client may report activity' },
  content_type: { error: 'invalid_request', status: 415, description: 'the report must be application/json' },
  body_too_large: { error: 'invalid_request', status: 413, description: 'the report is too large' },
  body_invalid: { error: 'invalid_request', status: 400, description: 'the report must be a JSON object {"sid": "...", "activity": [...]}' },
  batch_too_large: { error: 'invalid_request', status: 400, description: 'too many entries in one report' },
  entry_invalid: { error: 'invalid_request', status: 400, description: 'an activity entry is malformed' },
  session_unknown: { error: 'invalid_request', status: 400, description: 'no such impersonation session for this client' },
  session_ended: { error: 'invalid_request', status: 400, description: 'the impersonation session has ended; activity is accepted only while it is on' },
  entry_outside_session: { error: 'invalid_request', status: 400, description: "an entry's time lies outside the impersonation session" },
  session_full: { error: 'invalid_request', status: 400, description: "the session's activity record is full" },
} as const satisfies Record<string, { error: string; status: number; description: string }>;

export type ActivityReasonCode = keyof typeof activityReasons;

export class ActivityError extends Error {
  override readonly name = 'ActivityError';
  constructor(
    readonly code: ActivityReasonCode,
    detail?: string,
  ) {
    super(detail ?? activityReasons[code].description);
  }
}
