/**
 * Driving the console's own pages over HTTP as a browser would: follow redirects, answer
 * the passkey step-up page when it comes (the console's /admin/stepup), read and change the
 * server-side console session for the cases a browser cannot set up quickly.
 */
import { keys } from '../../src/store/keys.js';
import type { SoftwareAuthenticator } from './authenticator.js';
import { answerPasskeyPage, csrfOf } from './console.js';
import type { TestGatehouse } from './gatehouse.js';
import { decodeEntities, type HttpAgent } from './http-agent.js';

export interface Landed {
  url: URL;
  status: number;
  html: string;
  headers: Headers;
}

/**
 * Follows `url` through redirects, answering a passkey step-up page with `key` and sending
 * the form an action waited a step-up with (the resume page, as static/console.js does), to
 * the page served at the end.
 */
export async function followThrough(agent: HttpAgent, url: string | URL, key?: SoftwareAuthenticator): Promise<Landed> {
  let current = new URL(url);
  for (let i = 0; i < 6; i++) {
    const step = await agent.follow(current, () => false);
    const html = step.html ?? '';
    if (key && html.includes('id="passkey-stepup"')) {
      const { res } = await answerPasskeyPage(agent, step.url, html, key, { mode: 'stepup' });
      if (!res.ok) throw new Error(`step-up refused (${res.status}): ${await res.text()}`);
      current = new URL(((await res.json()) as { redirectTo: string }).redirectTo, step.url);
      continue;
    }
    const resumed = resumeForm(html);
    if (resumed) {
      const res = await agent.postForm(new URL(resumed.action, step.url), resumed.fields);
      const location = res.headers.get('location');
      if (!(res.status >= 300 && res.status < 400 && location)) return { url: new URL(resumed.action, step.url), status: res.status, html: await res.text(), headers: res.headers };
      current = new URL(location, step.url);
      continue;
    }
    return { url: step.url, status: step.res!.status, html, headers: step.res!.headers };
  }
  throw new Error('too many step-up pages');
}

/** The resume page's form (pending-action.ts): where it posts and its fields, in order. */
export function resumeForm(html: string): { action: string; fields: [string, string][] } | null {
  const form = /<form method="post" action="([^"]+)" id="resume-form" data-autosubmit>([\s\S]*?)<\/form>/.exec(html);
  if (!form) return null;
  const fields = [...form[2]!.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((m) => [decodeEntities(m[1]!), decodeEntities(m[2]!)] as [string, string]);
  return { action: decodeEntities(form[1]!), fields };
}

/** POSTs a console form (with the page's CSRF token unless given) and follows where it leads. */
export async function submit(agent: HttpAgent, url: string, fields: Record<string, string> | [string, string][], key?: SoftwareAuthenticator): Promise<Landed> {
  const res = await agent.postForm(url, fields);
  const location = res.headers.get('location');
  if (res.status >= 300 && res.status < 400 && location) return followThrough(agent, new URL(location, url), key);
  return { url: new URL(url), status: res.status, html: await res.text(), headers: res.headers };
}

/** A form of a page: where it posts, and its fields as a browser would post them. */
export interface PageForm {
  action: string;
  fields: [string, string][];
  /** The first value of a field. */
  get(name: string): string | undefined;
  /** Replaces a field's values (none: removes it, as an unticked checkbox). */
  set(name: string, ...values: string[]): PageForm;
}

/**
 * The form whose opening tag contains `opening` (`id="policy-form"`), read as a browser
 * serializes it: hidden and text inputs, ticked checkboxes, textareas, selected options.
 */
export function formData(html: string, opening: string): PageForm {
  for (const form of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    if (!form[1]!.includes(opening)) continue;
    const fields: [string, string][] = [];
    for (const el of form[2]!.matchAll(/<input\b[^>]*>|<textarea\b[^>]*>[\s\S]*?<\/textarea>|<select\b[^>]*>[\s\S]*?<\/select>/g)) {
      const tag = el[0];
      const name = /name="([^"]*)"/.exec(tag)?.[1];
      if (!name) continue;
      if (tag.startsWith('<input')) {
        const checkbox = /type="checkbox"/.test(tag);
        if (checkbox && !/\schecked\b/.test(tag)) continue;
        fields.push([name, decodeEntities(/value="([^"]*)"/.exec(tag)?.[1] ?? (checkbox ? 'on' : ''))]);
      } else if (tag.startsWith('<textarea')) {
        fields.push([name, decodeEntities(/>([\s\S]*)<\/textarea>$/.exec(tag)![1]!)]);
      } else {
        const options = [...tag.matchAll(/<option value="([^"]*)"([^>]*)>/g)];
        const chosen = options.find((o) => /\bselected\b/.test(o[2]!)) ?? options[0];
        if (chosen) fields.push([name, decodeEntities(chosen[1]!)]);
      }
    }
    const page: PageForm = {
      action: decodeEntities(/action="([^"]*)"/.exec(form[1]!)?.[1] ?? ''),
      fields,
      get: (name) => page.fields.find(([n]) => n === name)?.[1],
      set(name, ...values) {
        page.fields = [...page.fields.filter(([n]) => n !== name), ...values.map((v) => [name, v] as [string, string])];
        return page;
      },
    };
    return page;
  }
  throw new Error(`no form with ${opening} on the page:\n${html.slice(0, 600)}`);
}

/** The CSRF token of a console page. */
export async function pageCsrf(agent: HttpAgent, url: string): Promise<string> {
  return csrfOf(await (await agent.fetch(url)).text());
}

/** The console session record behind the agent's cookie (what the server keeps in the store). */
export async function consoleSession(gh: TestGatehouse, agent: HttpAgent) {
  const id = /(?:^|; )gh_console=([^;]*)/.exec(agent.cookieHeader())?.[1];
  if (!id) throw new Error('no console cookie');
  const key = keys.consoleSession(decodeURIComponent(id));
  const store = gh.gatehouse.services.store;
  return {
    read: async () => JSON.parse((await store.get(key)) ?? 'null') as Record<string, unknown>,
    write: async (data: Record<string, unknown>) => store.set(key, JSON.stringify(data), { ttl: 3600 }),
  };
}

/** The ticket form of the console's delivery page. */
export function ticketForm(html: string) {
  const form = /<form method="(get|post)" action="([^"]+)" id="ticket-form"/.exec(html);
  const input = /<input type="hidden" name="(ticket|token)" value="([^"]+)">/.exec(html);
  return form && input ? { method: form[1]!, action: form[2]!.replace(/&amp;/g, '&'), field: input[1]!, ticket: input[2]! } : null;
}
