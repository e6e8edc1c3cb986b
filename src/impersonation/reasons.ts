/**
 * Every refusal of the impersonation flow, with its stable reason code (what audit events
 * and tests assert on) and how it maps to the wire (PROTOCOL §4, RFC 8693 §2.2.2).
 */
export const reasons = {
  client_not_console: { error: 'unauthorized_client', status: 400, description: 'only the support console may mint impersonation tickets' },
  client_not_tenant: { error: 'unauthorized_client', status: 400, description: 'only a tenant client may redeem impersonation tickets' },
  actor_token_missing: { error: 'invalid_request', status: 400, description: 'actor_token and actor_token_type are required to mint a ticket' },
  actor_token_type_unsupported: { error: 'invalid_request', status: 400, description: 'actor_token_type must be urn:ietf:params:oauth:token-type:access_token' },
  actor_token_invalid: { error: 'invalid_request', status: 400, description: 'actor token is invalid, expired or revoked' },
  actor_not_admin: { error: 'invalid_request', status: 400, description: 'actor token does not belong to an active admin' },
  actor_token_has_act: { error: 'invalid_request', status: 400, description: 'an impersonation token cannot act as an actor token' },
  actor_not_stepped_up: { error: 'invalid_request', status: 400, description: 'a fresh passkey step-up is required (acr phr within max_age)' },
  actor_no_passkey: { error: 'invalid_request', status: 400, description: 'the admin has no registered passkey' },
  subject_token_missing: { error: 'invalid_request', status: 400, description: 'subject_token and subject_token_type are required' },
  subject_token_type_unsupported: { error: 'invalid_request', status: 400, description: 'unsupported subject_token_type' },
  subject_token_has_act: { error: 'invalid_request', status: 400, description: 'a token carrying act cannot be exchanged' },
  subject_unavailable: { error: 'invalid_request', status: 400, description: 'the subject is unknown or cannot be impersonated' },
  subject_is_admin: { error: 'invalid_request', status: 400, description: 'the subject is unknown or cannot be impersonated' },
  consent_missing: { error: 'invalid_request', status: 400, description: 'the user has not allowed support access' },
  access_code_required: { error: 'invalid_request', status: 400, description: 'this tenant requires a support access code from the user' },
  access_code_invalid: { error: 'invalid_request', status: 400, description: 'the support access code is invalid or expired' },
  // PROTOCOL §5: consent mode `approval` and the two-person rule (approvals/).
  approval_required: { error: 'invalid_request', status: 400, description: 'this user needs an approved access request: none of yours for this user is approved and unused' },
  second_admin_required: { error: 'invalid_request', status: 400, description: 'two-person rule: a second admin must approve your access request for this user first' },
  approval_exceeded: { error: 'invalid_request', status: 400, description: 'the reason, duration or scope asked for goes beyond the approved access request (leave them out to take the approved ones)' },
  tenant_not_covered: { error: 'invalid_target', status: 400, description: 'your roles do not cover this tenant' },
  sensitive_user: { error: 'invalid_target', status: 400, description: 'this user is marked sensitive and no role of yours allows it' },
  audience_missing: { error: 'invalid_target', status: 400, description: 'audience (or resource) is required: the tenant origin to act on' },
  audience_invalid: { error: 'invalid_target', status: 400, description: "audience is not a domain of the user's tenant" },
  // PROTOCOL §11: a domain added at runtime is no audience until its owner proved control of it.
  audience_unverified: { error: 'invalid_target', status: 400, description: 'audience is not a verified domain of its tenant' },
  redeem_wrong_tenant: { error: 'invalid_target', status: 400, description: "the ticket is not for this client's tenant" },
  scope_invalid: { error: 'invalid_scope', status: 400, description: "scope is outside the tenant's impersonation scopes" },
  reason_invalid: { error: 'invalid_request', status: 400, description: 'a reason must be 3 to 500 characters' },
  duration_invalid: { error: 'invalid_request', status: 400, description: "duration is out of the tenant's bounds" },
  requested_token_type_unsupported: { error: 'invalid_request', status: 400, description: 'unsupported requested_token_type' },
  ticket_invalid: { error: 'invalid_request', status: 400, description: 'the ticket is unknown, expired or already used' },
  ticket_replayed: { error: 'invalid_request', status: 400, description: 'the ticket is unknown, expired or already used' },
  // PROTOCOL §4, §10.2: re-checked at redemption; the ticket is burned by then.
  ticket_admin_disabled: { error: 'invalid_request', status: 400, description: 'the admin who asked for this ticket has been disabled' },
  ticket_tenant_not_covered: { error: 'invalid_request', status: 400, description: "the admin who asked for this ticket no longer covers this user's tenant" },
  ticket_subject_disabled: { error: 'invalid_request', status: 400, description: 'the user of this ticket is unknown or disabled' },
  unknown_tickets_rate_limited: { error: 'slow_down', status: 429, description: 'too many unknown tickets from this client; slow down' },
  rate_limited: { error: 'slow_down', status: 429, description: 'too many requests; slow down' },
  store_unavailable: { error: 'temporarily_unavailable', status: 503, description: 'the service is temporarily unavailable; nothing was issued' },
} as const satisfies Record<string, { error: string; status: number; description: string }>;

export type ReasonCode = keyof typeof reasons;

/** A refusal from the impersonation domain: a reason code plus optional wire hints. */
export class ImpersonationError extends Error {
  override readonly name = 'ImpersonationError';
  constructor(
    readonly code: ReasonCode,
    readonly hints: { retryAfter?: number; acrValues?: string; maxAge?: number; detail?: string } = {},
  ) {
    super(hints.detail ?? reasons[code].description);
  }
}
