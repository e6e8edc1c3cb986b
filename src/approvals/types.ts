/**
 * Access requests (PROTOCOL §5: consent mode `approval` and the two-person rule). Named in
 * the anchors' words: an admin files a request; the user (or a tenant approver) and/or a
 * second admin approve it; an approved request lets that admin mint one ticket.
 */

/** Where a request stands. `used` means its one ticket was minted. */
export type AccessRequestState = 'pending' | 'approved' | 'denied' | 'expired' | 'used';

export interface AccessRequest {
  id: string;
  tenant: string;
  /** The user support asks to act as. */
  user: string;
  /** The admin who filed it: the only one who may use it. */
  admin: string;
  reason: string;
  /** Seconds of impersonation asked for; the mint may ask for less, never more. */
  duration: number;
  scope: string[];
  createdAt: number;
  /** Unanswered past this (ms), the request is expired (`approvalTtl`). */
  expiresAt: number;
  /** The user (or a tenant approver) must approve: tenant consent `approval`. */
  needsUser: boolean;
  /** A second admin must approve: the two-person rule (sensitive user or `requireSecondAdmin`). */
  needsSecondAdmin: boolean;
  state: AccessRequestState;
  /** The user who decided for the customer (the user themselves or an approver), and how. */
  userDecision?: 'approved' | 'denied';
  userDecidedBy?: string;
  userDecidedAt?: number;
  userDecidedWith?: 'passkey' | 'session';
  /** The second admin who decided. */
  secondDecision?: 'approved' | 'denied';
  secondAdmin?: string;
  secondDecidedAt?: number;
  /** When the last approval it needed came in: the `approvalWindow` starts here. */
  approvedAt?: number;
  usedAt?: number;
  /** For people reading pages and notifications (ids stay the reference). */
  adminEmail?: string;
  adminName?: string;
  userEmail?: string;
  userName?: string;
}

/** What an admin asks for when filing. */
export interface AccessRequestInput {
  tenant: string;
  user: string;
  admin: string;
  reason: string;
  duration: number;
  scope: string[];
  needsUser: boolean;
  needsSecondAdmin: boolean;
  adminEmail?: string;
  adminName?: string;
  userEmail?: string;
  userName?: string;
}

/** `approvalTtl` and `approvalWindow`, seconds (config `policy`). */
export interface ApprovalPolicy {
  approvalTtl: number;
  approvalWindow: number;
}
