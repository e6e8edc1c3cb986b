/**
 * The console steps every browser journey takes, as a person takes them in Chromium (with a
 * CDP virtual authenticator on the page): an admin's first passkey through the enrollment
 * link `npm start` printed beside her password (PROTOCOL §10.1), the console's password
 * sign-in, and finding a user to impersonate.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

export interface SeededAdmin {
  email: string;
  password: string;
}

export const ALICE: SeededAdmin = { email: 'alice@gatehouse.test', password: 'alice-demo-pass' };

/** The one-time enrollment link `npm start` printed beside the admin's password. */
export function enrollmentLinkOf(output: string, admin: SeededAdmin = ALICE): string {
  const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const link = new RegExp(`admin\\s+${escaped(admin.email)} / ${escaped(admin.password)} .*\\n\\s+passkey enrollment link \\(one use, until [^)]+\\): (\\S+)`).exec(output);
  assert.ok(link, `npm start prints ${admin.email}'s enrollment link:\n${output}`);
  return link[1]!;
}

/**
 * Registers the admin's first passkey through the link (her password, then the ceremony),
 * then signs in to the console with the password: the console session is acr `pwd`.
 */
export async function enrollAndSignIn(page: Page, issuer: string, link: string, admin: SeededAdmin = ALICE, options: { beforeRegister?: () => Promise<void> } = {}): Promise<void> {
  await page.goto(link);
  await page.fill('#enroll-password input[name=password]', admin.password);
  await page.click('#enroll-password button[type=submit]');
  await page.waitForURL(`${issuer}/admin/enroll/passkey`);
  await page.fill('#passkey-name', 'Chromium virtual key');
  await options.beforeRegister?.();
  await page.click('#passkey-register');
  await page.waitForSelector('#enrolled');
  await page.click('#to-console');
  await page.click('#console-signin');
  await signInWithPassword(page, issuer, admin);
}

/** The console's (or any client's) Gatehouse sign-in page, answered with the password. */
export async function signInWithPassword(page: Page, issuer: string, admin: SeededAdmin): Promise<void> {
  await page.waitForURL(/\/interaction\//).catch(async (err: Error) => {
    throw new Error(`no sign-in page for ${admin.email}: ${page.url()}\n${await page.innerText('body')}\n${err.message}`);
  });
  await page.fill('input[name=email]', admin.email);
  await page.fill('input[name=password]', admin.password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${issuer}/admin`).catch(async (err: Error) => {
    throw new Error(`${admin.email} did not reach the console: ${page.url()}\n${await page.innerText('body')}\n${err.message}`);
  });
}

/** Console → Users → tenant → search → Impersonate next to the user: the form (or the request form). */
export async function openImpersonate(page: Page, issuer: string, user: { tenant: string; query: string; email: string }): Promise<void> {
  await page.goto(`${issuer}/admin/users`);
  await page.selectOption('select[name=tenant]', user.tenant);
  await page.fill('input[name=q]', user.query);
  await page.click('#user-search button[type=submit]');
  await page.click(`#users tr:has-text("${user.email}") a:has-text("Impersonate")`);
}
