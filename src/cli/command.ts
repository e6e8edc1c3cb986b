/**
 * The shape of a CLI command. `gatehouse <group> <action> ...`: each group is one file in
 * `commands/` and one line in `commands/index.ts`, so `audit verify|export` and
 * `sessions list|end` are added without touching the dispatcher.
 */
import type { ParseArgsOptionsConfig } from 'node:util';
import type { Accounts } from '../accounts/index.js';
import type { AuditLog } from '../audit/index.js';
import type { GatehouseConfig } from '../config/index.js';
import type { Store } from '../store/types.js';
import type { Tenancy, TenancyView } from '../tenancy/index.js';

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Action {
  /** Arguments after `<group> <action>`, for help: `--email E --name N [--roles a,b]`. */
  usage: string;
  summary: string;
  /** node:util parseArgs options; `--help` is added for every action. */
  options?: ParseArgsOptionsConfig;
  /** Names of the positional arguments, all required: `['email']`. */
  positionals?: string[];
  run(ctx: CliContext, values: OptionValues, positionals: string[]): Promise<void>;
}

export interface CommandGroup {
  name: string;
  summary: string;
  actions: Record<string, Action>;
}

/** What an action may use; everything is created on first use, so `keys generate` needs no config or store. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  /** The server's configuration (same env and file). */
  config(): GatehouseConfig;
  /** The configured Redis store; refuses the memory store, whose writes would vanish on exit. */
  store(): Promise<Store>;
  accounts(): Promise<Accounts>;
  /** The audit log, announcing what it appends to the configured webhooks (queued for the server's workers). */
  audit(): Promise<AuditLog>;
  /**
   * The store's runtime configuration (tenants, clients, roles) as it is now (PROTOCOL §11);
   * a store that never held any is first seeded from the config file, as a server would,
   * unless `seed` is false (commands that only read: the empty view's version is then 0).
   */
  view(options?: { seed?: boolean }): Promise<TenancyView>;
  /**
   * The runtime configuration's service (act as `CLI_TENANCY`): audited, and every instance
   * follows. An empty store is seeded from the config file first unless `seed` is false
   * (`config apply`, which applies a file of its own).
   */
  tenancy(options?: { seed?: boolean }): Promise<Tenancy>;
  /** A password from standard input (first line) or, on a terminal, typed twice without echo. */
  readPassword(): Promise<string>;
  /** A line of output (stdout). */
  out(line: string): void;
  /** A line for the operator that is not output (stderr). */
  note(line: string): void;
}

/** A failure the operator can act on: exit 1 with this one line. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** The command line itself is wrong: exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The value of a required string option, or a usage error naming it. */
export function requireString(values: OptionValues, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`missing --${name}`);
  return value;
}

export function optionalString(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}
