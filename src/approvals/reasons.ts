/**
 * Every refusal of the approval pages, with its stable code (what audit details and tests
 * assert on) and the HTTP status the console and /account answer with.
 */
export const approvalReasons = {
  request_unknown: { status: 404, message: 'This access request does not exist or is not one you can see.' },
  not_pending: { status: 409, message: 'This access request was already decided, used or has expired.' },
  expired: { status: 409, message: 'This access request expired before it was answered.' },
  not_needed: { status: 400, message: 'This user can be helped without an access request.' },
  already_open: { status: 409, message: 'You already have an open access request for this user.' },
  self_approval: { status: 403, message: 'You cannot approve your own access request: another admin must.' },
  second_admin_not_needed: { status: 409, message: 'This access request does not need a second admin.' },
  approver_not_covering: { status: 403, message: "Your roles do not cover this user's tenant, so you cannot approve for it." },
  approver_not_stepped_up: { status: 403, message: 'Approving needs a fresh passkey confirmation.' },
  user_decision_not_needed: { status: 409, message: 'This access request is decided by support admins, not on the account page.' },
  not_an_approver: { status: 404, message: 'This access request does not exist or is not one you can see.' },
  passkey_required: { status: 403, message: 'You have a passkey: approve with it.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ApprovalReason = keyof typeof approvalReasons;

export class ApprovalError extends Error {
  override readonly name = 'ApprovalError';
  readonly status: number;
  constructor(readonly code: ApprovalReason) {
    super(approvalReasons[code].message);
    this.status = approvalReasons[code].status;
  }
}
