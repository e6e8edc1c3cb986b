/**
 * The `gatehouse` command: a table of command groups (`commands/`), parsed with
 * node:util parseArgs. Every failure is one line on stderr and a non-zero exit (1, or 2
 * for a wrong command line) and never a stack trace (PROTOCOL §9).
 */
import { parseArgs } from 'node:util';
import { AccountError } from '../accounts/index.js';
import { AuditError } from '../audit/index.js';
import { ConfigError } from '../config/index.js';
import { KeysError } from '../keys/index.js';
import { StoreUnavailableError } from '../store/types.js';
import { TenancyError } from '../tenancy/index.js';
import { CliError, type CommandGroup, type OptionValues, UsageError } from './command.js';
import { commands } from './commands/index.js';
import { type CliIO, createContext } from './context.js';
import { renderHelp } from './help.js';

const HELP_HINT = 'run "gatehouse help"';

const find = <T>(table: Record<string, T>, name: string | undefined) =>
  name !== undefined && Object.hasOwn(table, name) ? table[name] : undefined;

/** One line, whatever the error: the operator reads it, a script greps it. */
function describe(err: unknown): string {
  if (err instanceof StoreUnavailableError) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `cannot reach the store${cause}`;
  }
  const known = [CliError, UsageError, ConfigError, AccountError, KeysError, AuditError, TenancyError].some((type) => err instanceof type);
  const message = err instanceof Error ? err.message : String(err);
  return (known ? message : `unexpected error: ${message}`).replace(/\s*[\r\n]+\s*/g, ' ');
}

async function dispatch(argv: string[], io: CliIO): Promise<void> {
  const [groupName, actionName, ...rest] = argv;
  if (groupName === undefined) throw new UsageError(`missing command; ${HELP_HINT}`);
  if (groupName === 'help' || groupName === '--help' || groupName === '-h') {
    const only = actionName === undefined ? undefined : commands.find((g) => g.name === actionName);
    if (actionName !== undefined && !only) throw new UsageError(`unknown command "${actionName}"; ${HELP_HINT}`);
    io.stdout.write(`${renderHelp(commands, only)}\n`);
    return;
  }
  const group: CommandGroup | undefined = commands.find((g) => g.name === groupName);
  if (!group) throw new UsageError(`unknown command "${groupName}"; ${HELP_HINT}`);
  if (actionName === '--help' || actionName === '-h') {
    io.stdout.write(`${renderHelp(commands, group)}\n`);
    return;
  }
  const action = find(group.actions, actionName);
  const choices = Object.keys(group.actions).join('|');
  if (!action) {
    throw new UsageError(actionName === undefined ? `usage: gatehouse ${group.name} ${choices}` : `unknown command "${group.name} ${actionName}"; ${HELP_HINT}`);
  }
  const usage = `usage: gatehouse ${group.name} ${actionName} ${action.usage}`.trimEnd();
  let values: OptionValues;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: { ...action.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('. ')[0]}; ${usage}`);
  }
  if (values.help) {
    io.stdout.write(`${usage}\n  ${action.summary}\n`);
    return;
  }
  // The arguments themselves are not repeated: a mistyped password might be among them.
  if (positionals.length !== (action.positionals?.length ?? 0)) throw new UsageError(usage);
  const ctx = createContext(io);
  try {
    await action.run(ctx, values, positionals);
  } finally {
    await ctx.close();
  }
}

/**
 * Runs one command and answers its exit status.
 * @example
 * process.exitCode = await main(['admin', 'list']);
 */
export async function main(argv: string[], io: CliIO = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  try {
    await dispatch(argv, io);
    return 0;
  } catch (err) {
    io.stderr.write(`gatehouse: ${describe(err)}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
