/**
 * The dev demo stays one command (`npm start`): each seeded admin without a passkey gets a
 * fresh enrollment link, printed beside the demo password (refused in production, as the
 * seed itself is). Issued like any other link: audited, announced, single use.
 */
import type { SeedConfig } from '../accounts/seed.js';
import type { Services } from '../services.js';
import { issueEnrollment } from './index.js';

export async function seedEnrollmentLinks(services: Services, seed: SeedConfig | undefined): Promise<Map<string, { url: string; expiresAt: Date }>> {
  const { accounts, passkeys, store, audit, config } = services;
  const links = new Map<string, { url: string; expiresAt: Date }>();
  if (!seed || config.production) return links;
  const deps = { store, audit, issuer: config.issuer, ttl: config.policy.passkeyEnrollmentTtl };
  for (const { email } of seed.admins) {
    const admin = await accounts.admins.findByEmail(email);
    if (!admin || admin.disabled || (await passkeys.count('admin', admin.id)) > 0) continue;
    links.set(admin.email, await issueEnrollment(deps, admin, { by: 'seed', via: 'seed' }));
  }
  return links;
}
