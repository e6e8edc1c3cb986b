import type { CommandGroup } from './command.js';

const FOOTER = [
  '',
  'Passwords are never arguments: they are read from the first line of standard input when',
  'it is not a terminal, otherwise prompted for twice without echo.',
  'The CLI reads the same environment and config as the server: GATEHOUSE_CONFIG, REDIS_URL',
  '(or REDIS_SENTINELS + REDIS_SENTINEL_NAME, or REDIS_CLUSTER_NODES), NODE_ENV.',
  'Exit status: 0 on success, 1 on failure, 2 for a wrong command line.',
];

/** Help for every command, or for one group when `only` names it. */
export function renderHelp(commands: CommandGroup[], only?: CommandGroup): string {
  const groups = only ? [only] : commands;
  const lines = groups.flatMap((g) =>
    Object.entries(g.actions).map(([name, a]) => [`gatehouse ${g.name} ${name} ${a.usage}`.trimEnd(), a.summary] as const),
  );
  if (!only) lines.push(['gatehouse help [command]', 'show this help, or one command\'s']);
  // Usage and summary on separate lines, so the help fits 80 columns whatever the usage length.
  const body = lines.flatMap(([usage, summary]) => [`  ${usage}`, `      ${summary}`]);
  const title = only ? `gatehouse ${only.name}: ${only.summary}` : 'gatehouse: manage a Gatehouse deployment';
  return [title, '', ...body, ...(only ? [] : FOOTER)].join('\n');
}
