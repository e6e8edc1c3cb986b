import type { FormBody } from './form.js';

/** One HTTP request, as the kit needs to see it; each adapter builds it from its framework's request. */
export interface RpRequest {
  method: string;
  /** The path, without the query. */
  path: string;
  /** The raw query string, without `?`. */
  query: string;
  /** The impersonation token from this app's signed cookie, when the signature holds. */
  token: string | undefined;
  /** Reads the body as a form (only ever called for POST `redeemPath`). */
  readForm(): Promise<FormBody>;
}

/** What to do with the impersonation cookie: store a token for `maxAgeMs`, or clear it. */
export type CookieChange = { token: string; maxAgeMs: number } | { clear: true };

/** A response the kit gives itself: a page or a 303. */
export interface RpAnswer {
  status: number;
  headers: Record<string, string>;
  /** A whole HTML document. */
  html?: string;
  /** For 303 answers. */
  location?: string;
  /** A JSON body (the back-channel logout route's errors). With none of html, location or json: an empty body. */
  json?: Record<string, unknown>;
}

/** The outcome of one request: maybe a cookie change; then either an answer or the state for the app. */
export type RpOutcome<State> =
  | { answer: RpAnswer; cookie?: CookieChange }
  | { answer?: undefined; state: State; cookie?: CookieChange };
