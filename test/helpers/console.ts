/**
 * "An admin signed in to the console with a registered software passkey", over HTTP:
 * the console's own sign-in (/admin, itself an OIDC client of Gatehouse), passkey
 * registration at /admin/passkeys, and a passkey step-up of the support-console client
 * driven by openid-client, whose access token is what a token exchange takes as actor.
 */
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { AssertionOverrides, SoftwareAuthenticator } from './authenticator.js';
import { baseConfig } from './gatehouse.js';
import { formFields, HttpAgent } from './http-agent.js';
import { authorize, discover, oidc } from './oidc-flow.js';

/** The support-console client's secret in the dev config the test Gatehouse runs on. */
export function consoleSecret(): string {
  return baseConfig().clients.find((c: { role: string }) => c.role === 'support-console').clientSecret;
}

/** The CSRF token a page carries, in a hidden field or on a passkey button. */
export function csrfOf(html: string): string {
  return formFields(html).csrf ?? /data-csrf="([^"]+)"/.exec(html)?.[1] ?? '';
}

/** POSTs JSON with the CSRF header, as static/passkey.js does. */
export function postJson(agent: HttpAgent, url: string | URL, csrf: string, body: unknown): Promise<Response> {
  return agent.fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
    body: JSON.stringify(body),
  });
}

/** Signs in to /admin with a password (or silently, when the agent's Gatehouse session allows). */
export async function signInConsole(issuer: string, credentials: { email: string; password: string }, agent = new HttpAgent()) {
  let step = await agent.follow(`${issuer}/admin/login`, () => false);
  for (let i = 0; i < 3 && step.html?.includes('name="password"'); i++) {
    const res = await agent.postForm(new URL(`${step.url.pathname}/login`, step.url), {
      csrf: formFields(step.html).csrf ?? '',
      ...credentials,
    });
    const location = res.headers.get('location');
    if (!location) throw new Error(`console sign-in refused (${res.status})`);
    step = await agent.follow(new URL(location, step.url), () => false);
  }
  if (!step.html?.includes('action="/admin/logout"')) throw new Error(`not signed in to the console: ${step.url}\n${step.html?.slice(0, 400)}`);
  return { agent, csrf: csrfOf(step.html), html: step.html };
}

/** Registers a passkey for the signed-in admin; throws with the server's answer when refused. */
export async function registerPasskey(agent: HttpAgent, issuer: string, authenticator: SoftwareAuthenticator, name: string, base = '/admin/passkeys') {
  const page = await agent.fetch(`${issuer}${base}`);
  const csrf = csrfOf(await page.text());
  const started = await postJson(agent, `${issuer}${base}/options`, csrf, {});
  if (!started.ok) throw new Error(`registration options refused (${started.status}): ${await started.text()}`);
  const { options, handle } = (await started.json()) as { options: PublicKeyCredentialCreationOptionsJSON; handle: string };
  const response = authenticator.createCredential(options, new URL(issuer).origin);
  const res = await postJson(agent, `${issuer}${base}/verify`, csrf, { handle, response, name });
  if (!res.ok) throw new Error(`registration refused (${res.status}): ${await res.text()}`);
  return { credentialId: response.id, body: (await res.json()) as { passkey: { id: string; name: string; deviceType: string } } };
}

/** Asks the interaction page at `pageUrl` for passkey request options (its step-up or sign-in). */
export async function startPasskey(agent: HttpAgent, pageUrl: URL, html: string, mode?: 'stepup' | 'login') {
  const csrf = csrfOf(html);
  const chosen = mode ?? (html.includes('id="passkey-stepup"') ? 'stepup' : 'login');
  const started = await postJson(agent, new URL(`${pageUrl.pathname}/passkey/options`, pageUrl), csrf, { mode: chosen });
  if (!started.ok) throw new Error(`passkey options refused (${started.status}): ${await started.text()}`);
  const { options, handle } = (await started.json()) as { options: PublicKeyCredentialRequestOptionsJSON; handle: string };
  const verifyUrl = new URL(`${pageUrl.pathname}/passkey/verify`, pageUrl);
  return {
    options,
    handle,
    csrf,
    verifyUrl,
    verify: (response: unknown, h = handle) => postJson(agent, verifyUrl, csrf, { handle: h, response, mode: chosen }),
  };
}

/** Answers the passkey step-up (or sign-in) of the interaction page at `pageUrl`. */
export async function answerPasskeyPage(
  agent: HttpAgent,
  pageUrl: URL,
  html: string,
  authenticator: SoftwareAuthenticator,
  options: { mode?: 'stepup' | 'login'; origin?: string; overrides?: AssertionOverrides; beforeVerify?: (handle: string) => Promise<void> } = {},
) {
  const started = await startPasskey(agent, pageUrl, html, options.mode);
  const response = authenticator.getAssertion(started.options, options.origin ?? pageUrl.origin, options.overrides);
  await options.beforeVerify?.(started.handle);
  return { ...started, response, res: await started.verify(response) };
}

/**
 * A full authorization of the support-console client with acr_values=phr&max_age=0 (a
 * fresh assertion every time), through the agent's Gatehouse session. Returns the admin's
 * access token, for use as an actor token, and how it says the admin authenticated.
 */
export async function stepUp(
  issuer: string,
  agent: HttpAgent,
  authenticator: SoftwareAuthenticator,
  extra: Record<string, string> = {},
  clientSecret = consoleSecret(),
) {
  const client = await discover(issuer, 'support-console', clientSecret);
  const { callbackUrl, codeVerifier, state } = await authorize(client, {
    redirectUri: `${issuer}/admin/callback`,
    email: '',
    password: '',
    agent,
    extra: { acr_values: 'phr', max_age: '0', ...extra },
    onPage: async ({ url, html }) => {
      if (!html.includes('data-ceremony="authenticate"')) return undefined;
      const { res } = await answerPasskeyPage(agent, url, html, authenticator, { mode: 'stepup' });
      if (!res.ok) throw new Error(`step-up refused (${res.status}): ${await res.text()}`);
      return new URL(((await res.json()) as { redirectTo: string }).redirectTo, url);
    },
  });
  const tokens = await oidc.authorizationCodeGrant(client, callbackUrl, { pkceCodeVerifier: codeVerifier, expectedState: state });
  const introspected = await oidc.tokenIntrospection(client, tokens.access_token);
  return {
    accessToken: tokens.access_token,
    acr: introspected.acr as string,
    amr: introspected.amr as unknown as string[],
    authTime: introspected.auth_time as number,
    tokens,
  };
}
