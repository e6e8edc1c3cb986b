/**
 * Drives a code + PKCE flow as a relying party would, with openid-client v6, through the
 * real login (and consent) forms over HTTP.
 */
import * as oidc from 'openid-client';
import { formFields, HttpAgent } from './http-agent.js';

export async function discover(issuer: string, clientId: string, clientSecret?: string) {
  return oidc.discovery(
    new URL(issuer),
    clientId,
    clientSecret ? { client_secret: clientSecret } : { token_endpoint_auth_method: 'none' },
    clientSecret ? oidc.ClientSecretBasic(clientSecret) : oidc.None(),
    { execute: [oidc.allowInsecureRequests] },
  );
}

export interface LoginOptions {
  redirectUri: string;
  email: string;
  password: string;
  scope?: string;
  extra?: Record<string, string>;
  agent?: HttpAgent;
  /** Called on a page that is neither login nor consent (e.g. the passkey step-up). */
  onPage?: (page: { url: URL; html: string; agent: HttpAgent }) => Promise<URL | undefined>;
}

/** Runs the authorization request to its callback and returns the redirect to the client. */
export async function authorize(config: oidc.Configuration, options: LoginOptions) {
  const agent = options.agent ?? new HttpAgent();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: options.redirectUri,
    scope: options.scope ?? 'openid profile email',
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    ...options.extra,
  });
  const isCallback = (u: URL) => u.href.startsWith(options.redirectUri);
  let step = await agent.follow(url, isCallback);
  for (let i = 0; i < 6 && !isCallback(step.url); i++) {
    const html = step.html ?? '';
    if (!step.res || step.res.status >= 400) throw new Error(`page ${step.url} answered ${step.res?.status}: ${html.slice(0, 500)}`);
    let next: URL | undefined;
    if (html.includes('name="password"')) {
      const fields = formFields(html);
      const res = await agent.postForm(new URL(`${step.url.pathname}/login`, step.url), {
        csrf: fields.csrf ?? '',
        email: options.email,
        password: options.password,
      });
      if (!res.headers.get('location')) throw new LoginRefused(res.status, await res.text());
      next = new URL(res.headers.get('location')!, step.url);
    } else if (html.includes('/confirm"')) {
      const res = await agent.postForm(new URL(`${step.url.pathname}/confirm`, step.url), { csrf: formFields(html).csrf ?? '' });
      next = new URL(res.headers.get('location')!, step.url);
    } else if (options.onPage) {
      next = await options.onPage({ url: step.url, html, agent });
    }
    if (!next) throw new Error(`unexpected page at ${step.url}: ${html.slice(0, 300)}`);
    step = await agent.follow(next, isCallback);
  }
  return { callbackUrl: step.url, codeVerifier, state, agent };
}

export class LoginRefused extends Error {
  constructor(readonly status: number, readonly html: string) {
    super(`login refused with ${status}`);
  }
}

/** authorize() then the code grant. */
export async function login(config: oidc.Configuration, options: LoginOptions) {
  const { callbackUrl, codeVerifier, state, agent } = await authorize(config, options);
  const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: codeVerifier, expectedState: state });
  return { tokens, agent, callbackUrl, codeVerifier };
}

export { oidc };
