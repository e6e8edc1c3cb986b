import { discover } from '../discovery/discover.js';
import { GatehouseRpError } from '../errors.js';
import { isObject, oauthErrorDetails, postJson } from '../http/request.js';
import type { ActivityEntry, ClientCredentials } from '../types.js';

/**
 * Reports what was done during an impersonation to Gatehouse (`POST` to discovery's
 * `impersonation_activity_endpoint`, JSON, `client_secret_basic`), so the user sees it on their
 * account page. Only the client that redeemed the session may report for it, and only while
 * the session is on; Gatehouse caps entries per report and per session. The middleware does
 * this for you, in batches; call it yourself only without the middleware.
 *
 * Throws {@link GatehouseRpError} `request_rejected` (4xx: the report will never be accepted,
 * e.g. the session ended; `error_description` says why), `issuer_unreachable` (worth retrying)
 * or `issuer_bad_response`.
 *
 * @example
 * ```ts
 * await reportActivity(impersonation.sid, [
 *   { method: 'GET', path: '/invoices', status: 200, at: Date.now(), blocked: false },
 * ], { issuer, clientId: 'acme-app', clientSecret: process.env.GATEHOUSE_CLIENT_SECRET! });
 * ```
 */
export async function reportActivity(
  sid: string,
  entries: ActivityEntry[],
  credentials: ClientCredentials,
): Promise<{ recorded: number; total: number }> {
  const { impersonation_activity_endpoint } = await discover(credentials.issuer);
  if (!impersonation_activity_endpoint) {
    throw new GatehouseRpError('issuer_bad_response', 'discovery names no impersonation_activity_endpoint: Gatehouse predates activity reports');
  }
  const response = await postJson(impersonation_activity_endpoint, { sid, activity: entries }, credentials, 'activity report');
  if (response.status >= 400) {
    throw new GatehouseRpError('request_rejected', `activity report refused: ${response.status}`, oauthErrorDetails(response));
  }
  const { body } = response;
  if (response.status !== 200 || !isObject(body) || typeof body.recorded !== 'number' || typeof body.total !== 'number') {
    throw new GatehouseRpError('issuer_bad_response', 'the activity endpoint did not answer {recorded, total}', { status: response.status });
  }
  return { recorded: body.recorded, total: body.total };
}
