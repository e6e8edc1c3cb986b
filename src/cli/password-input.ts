/**
 * Reading a password without ever echoing it: the first line of standard input when it is
 * not a terminal (so `printf '%s\n' "$PW" | gatehouse password set ...` scripts it), else a
 * prompt on stderr, typed twice, with the terminal in raw mode so nothing is shown.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { ReadStream } from 'node:tty';
import { CliError } from './command.js';

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACE = new Set(['\u007f', '\b']);

export async function readPassword(stdin: Readable, stderr: Writable): Promise<string> {
  const tty = stdin as ReadStream;
  if (!tty.isTTY) return firstLine(stdin);
  const first = await promptHidden(tty, stderr, 'Password: ');
  const second = await promptHidden(tty, stderr, 'Repeat password: ');
  if (first !== second) throw new CliError('the passwords do not match');
  return first;
}

async function firstLine(stdin: Readable): Promise<string> {
  const lines = createInterface({ input: stdin, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      if (line === '') break;
      return line;
    }
  } finally {
    lines.close();
  }
  throw new CliError('no password on standard input (the first line is read)');
}

function promptHidden(stdin: ReadStream, stderr: Writable, prompt: string): Promise<string> {
  stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (result: string | Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onData = (chunk: string) => {
      // Arrow keys and other escape sequences arrive as one chunk; they are not password text.
      if (chunk.startsWith('\u001b')) return;
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish(value);
        if (ch === CTRL_C || (ch === CTRL_D && value === '')) return finish(new CliError('aborted'));
        if (BACKSPACE.has(ch)) value = Array.from(value).slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
