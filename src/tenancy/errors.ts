/**
 * Every refusal of runtime configuration, from one table (CONVENTIONS: codes, not message
 * text): the management API answers each as RFC 9457 problem details with this `code` and
 * `status`, the CLI prints its message on one line, and tests assert on the code.
 */
export const tenancyErrors = {
  // Who is asking (the management API's bearer token, RFC 6750 §3.1).
  token_missing: { status: 401, title: 'A management access token is required' },
  token_invalid: { status: 401, title: 'The access token is invalid or expired' },
  token_wrong_audience: { status: 401, title: 'The access token was not issued for the management API' },
  token_inactive: { status: 401, title: 'The access token belongs to a client that no longer exists' },
  not_management_client: { status: 403, title: 'Only a management client may call the management API' },
  insufficient_scope: { status: 403, title: 'The access token lacks the scope this needs' },
  forbidden: { status: 403, title: 'Not allowed to make this change' },
  // The request itself.
  not_found: { status: 404, title: 'No such resource' },
  method_not_allowed: { status: 405, title: 'Method not allowed on this resource' },
  unsupported_media_type: { status: 415, title: 'The body must be application/json' },
  body_malformed: { status: 400, title: 'The body is not a JSON object' },
  body_invalid: { status: 400, title: 'The body does not validate' },
  query_invalid: { status: 400, title: 'A query parameter is invalid' },
  // ETag / If-Match (RFC 9110 §13.1.1, RFC 6585 §3).
  precondition_required: { status: 428, title: 'If-Match with the resource\'s ETag is required' },
  precondition_failed: { status: 412, title: 'The resource changed since that ETag' },
  // Rules of the configuration.
  reserved_id: { status: 400, title: 'That id is reserved' },
  unknown_tenant: { status: 400, title: 'A tenant named there does not exist' },
  uri_not_on_verified_domain: { status: 400, title: "A URI is not on one of the tenant's verified domains" },
  tenant_exists: { status: 409, title: 'A tenant with this id exists' },
  tenant_disabled: { status: 409, title: 'The tenant is disabled' },
  client_exists: { status: 409, title: 'A client with this id exists' },
  client_public: { status: 409, title: 'A public client has no secret to rotate' },
  role_exists: { status: 409, title: 'A role with this name exists' },
  domain_exists: { status: 409, title: 'The tenant has this domain already' },
  domain_taken: { status: 409, title: 'Another tenant holds this domain' },
  domain_verification_failed: { status: 422, title: 'The domain did not prove control' },
  domain_address_forbidden: { status: 422, title: 'The domain resolves to an address Gatehouse does not connect to' },
  config_changed: { status: 409, title: 'The configuration changed meanwhile; read it again and retry' },
  store_unavailable: { status: 503, title: 'The store is unreachable; nothing was changed' },
  change_unaudited: { status: 503, title: 'The store failed during the change: it may have been made without its audit event. Read it again before retrying' },
} as const satisfies Record<string, { status: number; title: string }>;

export type TenancyErrorCode = keyof typeof tenancyErrors;

/** One failed field of a body, as zod reports it (`path` like `impersonation.maxSeconds`). */
export interface FieldIssue {
  path: string;
  message: string;
}

export class TenancyError extends Error {
  override readonly name = 'TenancyError';
  readonly status: number;
  constructor(
    readonly code: TenancyErrorCode,
    detail?: string,
    readonly issues?: FieldIssue[],
  ) {
    super(detail ?? tenancyErrors[code].title);
    this.status = tenancyErrors[code].status;
  }
}
