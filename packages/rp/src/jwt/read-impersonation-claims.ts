import type { JWTPayload } from 'jose';
import { GatehouseRpError } from '../errors.js';
import { isObject } from '../http/request.js';
import type { ImpersonationClaims } from '../types.js';

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value !== '';

/**
 * Shapes a payload jose has already verified (signature, typ, iss, aud, exp, presence of the
 * RFC 9068 §2.2 claims) into {@link ImpersonationClaims}, checking what jose does not.
 */
export function readImpersonationClaims(payload: JWTPayload, clockToleranceSeconds: number): ImpersonationClaims {
  const { sub, aud, client_id, scope, iat, exp, jti, act, impersonation } = payload;
  // RFC 9068 §2.2: sub, client_id and jti are required strings.
  if (!nonEmpty(sub) || !nonEmpty(client_id) || !nonEmpty(jti)) {
    throw new GatehouseRpError('token_malformed', 'sub, client_id and jti must be non-empty strings (RFC 9068 §2.2)');
  }
  if (scope !== undefined && typeof scope !== 'string') {
    throw new GatehouseRpError('token_malformed', 'scope must be a space-separated string (RFC 9068 §2.2.3)');
  }
  if (typeof iat !== 'number' || typeof exp !== 'number' || aud === undefined) {
    throw new GatehouseRpError('token_malformed', 'iat, exp and aud are required (RFC 9068 §2.2)');
  }
  // jose only bounds iat when maxTokenAge is set; a token minted in the future is a clock or forgery problem.
  if (iat > Date.now() / 1000 + clockToleranceSeconds) {
    throw new GatehouseRpError('token_not_yet_valid', 'iat lies in the future');
  }
  // RFC 8693 §4.1: the actor (the support admin) is what makes this an impersonation token.
  if (!isObject(act) || !nonEmpty(act.sub) || !isObject(impersonation) || !nonEmpty(impersonation.sid)) {
    throw new GatehouseRpError('token_missing_act', 'not an impersonation token: act.sub or impersonation.sid is missing');
  }
  const reason = typeof impersonation.reason === 'string' ? impersonation.reason : '';
  const display = impersonation.actor_display;
  const approvedBy = impersonation.approved_by;
  return {
    sub,
    aud,
    clientId: client_id,
    scope: scope ?? '',
    iat,
    exp,
    jti,
    act: { sub: act.sub },
    impersonation: {
      sid: impersonation.sid,
      reason,
      ...(nonEmpty(display) ? { actor_display: display } : {}),
      ...(nonEmpty(approvedBy) ? { approved_by: approvedBy } : {}),
    },
  };
}
