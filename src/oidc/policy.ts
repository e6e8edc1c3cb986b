/**
 * Interaction policy: oidc-provider's base prompts plus the step-up check.
 * `acrValues` only fills discovery; `acr_values=phr` alone forces nothing
 * (OIDC-PROVIDER-NOTES "Step-up"), so a login-prompt Check asks for a passkey whenever
 * the session's acr does not satisfy the request.
 */
import { interactionPolicy } from 'oidc-provider';

export const ACR_PASSWORD = 'pwd';
export const ACR_PHISHING_RESISTANT = 'phr';
export const ACR_VALUES = [ACR_PASSWORD, ACR_PHISHING_RESISTANT] as const;

/** `phr` satisfies a request for `pwd`, never the other way round. */
export function acrSatisfies(have: string | undefined, wanted: string[]): boolean {
  if (wanted.length === 0) return true;
  if (!have) return false;
  if (wanted.includes(have)) return true;
  return have === ACR_PHISHING_RESISTANT && wanted.includes(ACR_PASSWORD);
}

/**
 * `accountFits` says whether the session's account may sign in to the requesting client:
 * one browser session must never hand an admin's identity to a tenant app, or one
 * tenant's user to another tenant's app, nor outlive the account's disabling (PROTOCOL
 * §10.2); such a session is asked to sign in again.
 */
export function buildPolicy(accountFits: (accountId: string, client: object, loginTs: number | undefined) => Promise<boolean>) {
  const { base, Check } = interactionPolicy;
  const policy = base();
  const login = policy.get('login')!;
  login.checks.add(
    new Check('account_mismatch', 'the signed-in account cannot use this client', async (ctx) => {
      const { oidc } = ctx;
      if (oidc.result?.login || !oidc.session?.accountId || !oidc.client) return Check.NO_NEED_TO_PROMPT;
      const loginTs = (oidc.session as { loginTs?: number }).loginTs;
      return (await accountFits(oidc.session.accountId, oidc.client, loginTs)) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
  );
  login.checks.add(
    new Check('acr_step_up', 'a phishing-resistant authentication (passkey) is required', (ctx) => {
      const { oidc } = ctx;
      // Voluntary acr_values we do not offer are ignored (OIDC Core §3.1.2.1), not asked for forever.
      const wanted = String(oidc.params?.acr_values ?? '')
        .split(' ')
        .filter((v) => (ACR_VALUES as readonly string[]).includes(v));
      if (wanted.length === 0) return Check.NO_NEED_TO_PROMPT;
      // Judge the login just finished by its own acr (reading the session's would loop
      // while they differ): a password answering a `phr` request is asked for a passkey
      // next, in a new interaction of the same, now signed-in, session.
      const acr = oidc.result?.login ? (oidc.result.login.acr as string | undefined) : oidc.acr;
      return acrSatisfies(acr, wanted) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
  );
  return policy;
}
