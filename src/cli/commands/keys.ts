import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { generateAuditKey, generateJwks } from '../../keys/index.js';
import { CliError, type CommandGroup, optionalString } from '../command.js';

/** Production signing keys; the server reads them from GATEHOUSE_KEYS (PROTOCOL §9). */
export const keys: CommandGroup = {
  name: 'keys',
  summary: 'signing keys',
  actions: {
    generate: {
      usage: '[--out file] [--audit]',
      summary: 'make a private JWKS (ES256 and RS256 for tokens, Ed25519 for audit checkpoints) for GATEHOUSE_KEYS; --audit: only the Ed25519 key, to add to an existing set',
      options: { out: { type: 'string' }, audit: { type: 'boolean' } },
      async run(ctx, values) {
        const set = values.audit ? { keys: [await generateAuditKey()] } : await generateJwks();
        const jwks = `${JSON.stringify(set, null, 2)}\n`;
        const out = optionalString(values, 'out');
        if (out === undefined) {
          ctx.out(jwks.trimEnd());
          return ctx.note('this is a PRIVATE key set: keep it secret; give it to Gatehouse as GATEHOUSE_KEYS');
        }
        const path = resolve(out);
        try {
          // `wx`: never overwrite, since replacing a deployment's keys invalidates every token it issued.
          await writeFile(path, jwks, { mode: 0o600, flag: 'wx' });
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          throw new CliError(code === 'EEXIST' ? `${path} already exists; not overwriting it` : `cannot write ${path} (${code ?? 'error'})`);
        }
        ctx.note(`wrote a PRIVATE key set to ${path} (mode 0600): keep it secret; set GATEHOUSE_KEYS=${path}`);
      },
    },
  },
};
