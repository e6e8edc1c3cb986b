/**
 * What `npm start` prints once everything listens: where Gatehouse is, the demo accounts
 * with their passwords, each seeded admin's one-time passkey enrollment link (an admin's
 * first passkey comes only from one, PROTOCOL §10.1), each user's id (what the wire calls
 * take as `subject_token`; the account CLI refuses the memory store, so this is where a
 * newcomer finds them), and the demo tenant apps.
 */
import type { GatehouseConfig } from '../config/index.js';
import type { Services } from '../services.js';

export async function demoBanner(
  config: GatehouseConfig,
  services: Pick<Services, 'accounts' | 'store'>,
  demoApp: boolean,
  enrollmentLinks: Map<string, { url: string; expiresAt: Date }>,
): Promise<string> {
  const kind = services.store.kind;
  const lines = [
    '',
    `Gatehouse is running at ${config.issuer} (store: ${kind}${kind === 'memory' ? ', data is lost on exit' : ''})`,
    `  discovery: ${config.issuer}/.well-known/openid-configuration`,
  ];
  if (config.seed) {
    lines.push('  demo accounts (from the seed in the config file):');
    for (const a of config.seed.admins) {
      lines.push(`    admin  ${a.email} / ${a.password}  -> ${config.issuer}/admin`);
      const link = enrollmentLinks.get(a.email.trim().toLowerCase());
      if (link) lines.push(`           passkey enrollment link (one use, until ${link.expiresAt.toISOString().slice(0, 16)}Z): ${link.url}`);
    }
    for (const u of config.seed.users) {
      const user = await services.accounts.users.findByEmail(u.tenant, u.email);
      lines.push(`    user   ${u.email} / ${u.password}  (tenant ${u.tenant}${user ? `, id ${user.id}` : ''})`);
    }
    lines.push(`  the wire calls by hand (README, Impersonation with curl): your actor token at ${config.issuer}/admin/dev-token`);
  }
  if (demoApp) {
    for (const t of config.declared.tenants) lines.push(`  demo tenant app "${t.name}": ${t.domains[0]}`);
  }
  lines.push('');
  return `${lines.join('\n')}\n`;
}
