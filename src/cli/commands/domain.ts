/**
 * `gatehouse domain …` (PROTOCOL §11): a tenant's custom domains. An added domain is pending
 * until its owner serves its token (HTTP) or publishes it (DNS TXT) and `verify` finds it.
 */
import type { CommandGroup } from '../command.js';
import { domainResource } from '../../tenancy/present.js';
import { CLI_TENANCY } from '../tenancy.js';

export const domain: CommandGroup = {
  name: 'domain',
  summary: "a tenant's custom domains, proven before use",
  actions: {
    add: {
      usage: '<tenant> <origin>',
      summary: 'add a pending domain and print what its owner must publish to prove control',
      positionals: ['tenant', 'origin'],
      async run(ctx, _values, [tenant, origin]) {
        const added = domainResource((await (await ctx.tenancy()).addDomain(CLI_TENANCY, tenant!, { origin })).domain);
        ctx.out(`added ${added.origin} to tenant ${tenant} (pending)`);
        if ('verification' in added && added.verification) {
          ctx.out(`  HTTP: serve ${added.verification.http.body} at ${added.verification.http.url}`);
          ctx.out(`  or DNS: a TXT record ${added.verification.dns.name} = ${added.verification.dns.value}`);
          ctx.out(`then: gatehouse domain verify ${tenant} ${added.host} [--dns]`);
        }
      },
    },
    verify: {
      usage: '<tenant> <host> [--dns]',
      summary: 'check the proof (HTTP token, or the DNS TXT record with --dns) and mark the domain verified',
      options: { dns: { type: 'boolean' } },
      positionals: ['tenant', 'host'],
      async run(ctx, values, [tenant, host]) {
        const { domain: verified } = await (await ctx.tenancy()).verifyDomain(CLI_TENANCY, tenant!, host!, { method: values.dns ? 'dns' : 'http' });
        ctx.out(`verified ${verified.origin} for tenant ${tenant} (${verified.verifiedBy})`);
      },
    },
    remove: {
      usage: '<tenant> <host>',
      summary: "remove a domain: outstanding tickets for it fail, live sessions on it end, the tenant's clients lose their URIs on it",
      positionals: ['tenant', 'host'],
      async run(ctx, _values, [tenant, host]) {
        const removed = await (await ctx.tenancy()).removeDomain(CLI_TENANCY, tenant!, host!);
        const clients = removed.clientsChanged.length ? `; URIs removed from ${removed.clientsChanged.join(', ')}` : '';
        ctx.out(`removed ${removed.domain.origin} from tenant ${tenant}; ${removed.sessionsEnded} impersonation session(s) ended${clients}`);
      },
    },
  },
};
