/**
 * Free text from people — impersonation reasons, account names, passkey labels — checked
 * by one rule everywhere (PROTOCOL §10.7), with no framework: callers turn a problem into
 * their own error (a reason code, an AccountError, a PasskeyError) and show its message.
 *
 * - Bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) are refused: one
 *   of them can reverse the rest of a line it is shown in, such as the tenant app's banner
 *   and its own safety sentence (Unicode TR #9; "Trojan Source", CVE-2021-42574).
 * - C0 and C1 controls (U+0000–U+001F, U+007F–U+009F, newlines and tabs included) and the
 *   line and paragraph separators (U+2028, U+2029) are refused: they fake lines in logs,
 *   audit exports, Slack text and pages. Free text here is one line.
 * - Lengths count characters as people see them: extended grapheme clusters (Unicode
 *   TR #29, through `Intl.Segmenter`), so "👍🏽" or "é" written as e + U+0301 is one
 *   character, not two or four UTF-16 units. A ceiling on UTF-16 units (4 per allowed
 *   character) bounds what one string may cost to store and to segment.
 */

/** Which rule a text broke. */
export type FreeTextProblem = 'too_short' | 'too_long' | 'bidi_control' | 'control_character';

export interface FreeTextRule {
  /** What the text is, for messages: "reason", "name", "passkey name". */
  label: string;
  /** Fewest characters (grapheme clusters) after trimming. */
  min: number;
  /** Most characters (grapheme clusters) after trimming. */
  max: number;
}

export type FreeTextResult = { ok: true; text: string } | { ok: false; problem: FreeTextProblem; message: string };

const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/u;
/**
 * UTF-16 units allowed per character. An emoji takes 2, a flag 4; what needs more (a family
 * emoji takes 11, a letter under a pile of combining marks any number) is refused as too
 * long once the whole text passes the ceiling. It keeps a 500-character reason within the
 * audit event's 2000 units and the impersonation token small enough for a cookie.
 */
export const UNITS_PER_CHARACTER = 4;

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;

/** Characters as a person counts them: extended grapheme clusters (Unicode TR #29). */
export function characterCount(text: string): number {
  // Printable ASCII is one cluster per unit (only CR LF joins, and it is not printable):
  // the segmenter's walk was ~1% of the server's CPU per mint.
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let count = 0;
  for (const _ of segmenter.segment(text)) count++;
  return count;
}

const hex = (ch: string) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** The first character the rule refuses outright (whatever the length), or null. */
export function forbiddenCharacter(text: string): { problem: 'bidi_control' | 'control_character'; codePoint: string } | null {
  const bidi = BIDI_CONTROL.exec(text);
  if (bidi) return { problem: 'bidi_control', codePoint: hex(bidi[0]) };
  const control = CONTROL.exec(text);
  if (control) return { problem: 'control_character', codePoint: hex(control[0]) };
  return null;
}

/**
 * Trims and checks one piece of free text.
 * @example
 * const checked = checkFreeText(input, { label: 'reason', min: 3, max: 500 });
 * if (!checked.ok) throw new ImpersonationError('reason_invalid', { detail: checked.message });
 */
export function checkFreeText(value: unknown, rule: FreeTextRule): FreeTextResult {
  const text = typeof value === 'string' ? value.trim() : '';
  const bounds = `${rule.min} to ${rule.max} characters`;
  if (text.length > rule.max * UNITS_PER_CHARACTER) return { ok: false, problem: 'too_long', message: `a ${rule.label} must be ${bounds}` };
  const forbidden = forbiddenCharacter(text);
  if (forbidden?.problem === 'bidi_control') {
    return {
      ok: false,
      problem: 'bidi_control',
      message: `a ${rule.label} must not contain bidirectional override or isolate characters (found ${forbidden.codePoint}); retype it as plain text`,
    };
  }
  if (forbidden) {
    return {
      ok: false,
      problem: 'control_character',
      message: `a ${rule.label} must be one line without control characters (found ${forbidden.codePoint})`,
    };
  }
  const count = characterCount(text);
  if (count < rule.min) return { ok: false, problem: 'too_short', message: `a ${rule.label} must be ${bounds}` };
  if (count > rule.max) return { ok: false, problem: 'too_long', message: `a ${rule.label} must be ${bounds}` };
  return { ok: true, text };
}

/** Impersonation reasons (PROTOCOL §3.2: 3–500 characters). */
export const REASON_RULE: FreeTextRule = { label: 'reason', min: 3, max: 500 };
/** Display names of admins and users (CLI, seed, console). */
export const NAME_RULE: FreeTextRule = { label: 'name', min: 1, max: 200 };
/** Passkey labels. */
export const PASSKEY_NAME_RULE: FreeTextRule = { label: 'passkey name', min: 1, max: 64 };
