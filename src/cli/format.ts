/** Plain-text tables for list commands; `--json` gives the same rows for scripts. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export const formatDate = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Control characters in a stored name would let whoever set it move the cursor or rewrite
 * the operator's terminal, and bidi controls would reorder the row; both are shown escaped
 * (names made before PROTOCOL §10.7 may still hold them).
 */
export const printable = (text: string) =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
