/**
 * `gatehouse config apply FILE [--dry-run] [--prune]` (PROTOCOL §11): makes the store's
 * tenants, clients and roles match a file, prints what changes (one line each; secrets
 * never), and changes nothing the second time. What the file does not name stays unless
 * `--prune` (tenants are then disabled, never deleted). Every running instance follows
 * within a second.
 */
import { loadDeclaration } from '../../config/index.js';
import type { CommandGroup } from '../command.js';

export const config: CommandGroup = {
  name: 'config',
  summary: 'apply a config file’s tenants, clients and roles to the store',
  actions: {
    apply: {
      usage: '<file> [--dry-run] [--prune]',
      summary: 'make the store match the file (prints the changes; --dry-run changes nothing; --prune also removes what the file does not name)',
      options: { 'dry-run': { type: 'boolean' }, prune: { type: 'boolean' } },
      positionals: ['file'],
      async run(ctx, values, [file]) {
        const declared = loadDeclaration(file!, ctx.env);
        const dryRun = values['dry-run'] === true;
        // The file applied is this one: an empty store is not seeded from GATEHOUSE_CONFIG first.
        const tenancy = await ctx.tenancy({ seed: false });
        const result = await tenancy.apply({ kind: 'cli', via: 'config apply' }, declared, { dryRun, prune: values.prune === true });
        for (const line of result.changes) ctx.out(line);
        if (result.changes.length === 0) return ctx.out('no changes');
        const ended = result.sessionsEnded ? `; ${result.sessionsEnded} impersonation session(s) ended` : '';
        ctx.out(dryRun ? `${result.changes.length} change(s) would be applied (dry run: nothing changed)` : `${result.changes.length} change(s) applied (configuration version ${result.version})${ended}`);
      },
    },
  },
};
