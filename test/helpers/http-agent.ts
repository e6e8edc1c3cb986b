/**
 * A minimal browser stand-in for driving Gatehouse's HTML forms over HTTP: a cookie jar,
 * manual redirects, and form fields read from the page. (The real browser is Chromium in
 * the end-to-end suite.)
 */
export class HttpAgent {
  private readonly jar = new Map<string, string>();

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.jar.size) headers.set('cookie', this.cookieHeader());
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  /** POSTs a form; fields as an object, or as pairs when a name repeats. */
  async postForm(url: string | URL, fields: Record<string, string> | [string, string][]): Promise<Response> {
    return this.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Follows redirects from `url` until a Location matches `stop` (returned) or a page is served. */
  async follow(url: string | URL, stop: (u: URL) => boolean): Promise<{ url: URL; res?: Response; html?: string }> {
    let current = new URL(url);
    for (let i = 0; i < 20; i++) {
      if (stop(current)) return { url: current };
      const res = await this.fetch(current);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        current = new URL(location, current);
        continue;
      }
      return { url: current, res, html: await res.text() };
    }
    throw new Error('too many redirects');
  }
}

/** Reads `<input ... name="N" value="V">` pairs (hidden fields such as csrf) from a page. */
export function formFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(m[0])?.[1];
    const value = /value="([^"]*)"/.exec(m[0])?.[1];
    if (name && value !== undefined) fields[name] = decodeEntities(value);
  }
  return fields;
}

export function formAction(html: string, contains: string): string | undefined {
  for (const m of html.matchAll(/<form[^>]*action="([^"]*)"/g)) if (m[1]!.includes(contains)) return decodeEntities(m[1]!);
  return undefined;
}

export function decodeEntities(s: string) {
  return s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}
