/**
 * Free text from people — impersonation and access-request reasons, account and tenant
 * names, labels, passkey labels — checked by one rule everywhere (PROTOCOL §10.7), with no
 * framework: callers turn a problem into their own error (a reason code, an AccountError, a
 * PasskeyError, a config issue) and show its message, which names the character.
 *
 * What the rule refuses is one table (`REFUSED`), looked up in order:
 * - C0 and C1 controls (U+0000–U+001F, U+007F–U+009F, newlines and tabs included) and the
 *   line and paragraph separators (U+2028, U+2029): they fake lines in logs, audit exports,
 *   Slack text and pages. Free text here is one line.
 * - Every Bidi_Control character (the marks U+061C, U+200E, U+200F, the embeddings and
 *   overrides U+202A–U+202E, the isolates U+2066–U+2069): one of them can reorder the rest
 *   of a line it is shown in, such as the tenant app's banner and its own safety sentence
 *   (Unicode TR #9; "Trojan Source", CVE-2021-42574).
 * - Every Default_Ignorable_Code_Point (zero-width spaces and joiners, U+FEFF, soft hyphen,
 *   variation selectors, Hangul fillers…) and the whole tag block U+E0000–U+E007F: invisible
 *   characters make two reasons that look alike differ, and tags carry whole hidden texts
 *   ("ASCII smuggling"). The tag block goes even inside the three RGI subdivision flags.
 * - Two exceptions, only inside an RGI emoji sequence (UTS #51, `\p{RGI_Emoji}`): U+200D
 *   (ZWJ, "👩‍💻") and U+FE0F (VS16, "❤️"), which are how emoji are written. Alone, or joining
 *   letters, they are refused like any other invisible character.
 *
 * Lengths count characters as people see them: extended grapheme clusters (Unicode TR #29,
 * through `Intl.Segmenter`), so "👍🏽" or "é" written as e + U+0301 is one character, not two
 * or four UTF-16 units. A ceiling on UTF-16 units (4 per allowed character) bounds what one
 * string may cost to store and to segment.
 */

/** Which rule a text broke. */
export type FreeTextProblem = 'too_short' | 'too_long' | 'control_character' | 'bidi_control' | 'invisible_character';

export interface FreeTextRule {
  /** What the text is, for messages: "reason", "name", "passkey name". */
  label: string;
  /** Fewest characters (grapheme clusters) after trimming. */
  min: number;
  /** Most characters (grapheme clusters) after trimming. */
  max: number;
}

export type FreeTextResult = { ok: true; text: string } | { ok: false; problem: FreeTextProblem; message: string };

type Refused = Exclude<FreeTextProblem, 'too_short' | 'too_long'>;

/** The characters free text refuses, one row per problem, looked up in this order. */
const REFUSED: ReadonlyArray<{ problem: Refused; pattern: RegExp; says: (label: string, found: string) => string }> = [
  {
    problem: 'control_character',
    pattern: /[\p{Cc}\u2028\u2029]/u,
    says: (label, found) => `a ${label} must be one line without control characters (found ${found})`,
  },
  {
    problem: 'bidi_control',
    pattern: /\p{Bidi_Control}/u,
    says: (label, found) => `a ${label} must not contain bidirectional control characters (found ${found}); retype it as plain text`,
  },
  {
    problem: 'invisible_character',
    // ZWJ and VS16 are judged after the emoji sequences are set aside (`outsideEmoji`).
    pattern: /[\u{E0000}-\u{E007F}]|\p{Default_Ignorable_Code_Point}/u,
    says: (label, found) => `a ${label} must not contain invisible characters (found ${found}${EMOJI_ONLY.has(found) ? ' outside an emoji' : ''}); retype it as plain text`,
  },
];

/** RGI emoji sequences (UTS #51), where ZWJ and VS16 belong. The `v` flag knows the property of strings. */
const RGI_EMOJI = /\p{RGI_Emoji}/gv;
const EMOJI_ONLY = new Set(['U+200D', 'U+FE0F']);
const TAG_OR_EMOJI_JOINER = /[\u200D\uFE0F\u{E0000}-\u{E007F}]/u;

/** The text with each RGI emoji sequence set aside, unless it holds a tag (refused everywhere). */
function outsideEmoji(text: string): string {
  if (!TAG_OR_EMOJI_JOINER.test(text)) return text;
  return text.replace(RGI_EMOJI, (emoji) => (/[\u{E0000}-\u{E007F}]/u.test(emoji) ? emoji : ' '));
}

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
export function forbiddenCharacter(text: string): { problem: Refused; codePoint: string } | null {
  const judged = outsideEmoji(text);
  for (const { problem, pattern } of REFUSED) {
    const found = pattern.exec(judged);
    if (found) return { problem, codePoint: hex(found[0]) };
  }
  return null;
}

/**
 * Trims and checks one piece of free text.
 * @example
 * const checked = checkFreeText(input, { label: 'reason', min: 3, max: 500 });
 * if (!checked.ok) throw new ImpersonationError('reason_invalid', { detail: checked.message });
 */
export function checkFreeText(value: unknown, rule: FreeTextRule): FreeTextResult {
  const given = typeof value === 'string' ? value : '';
  const text = given.trim();
  const bounds = `${rule.min} to ${rule.max} characters`;
  // The ceiling, with room for padding that trimming removes (it bounds the scan below too).
  if (text.length > rule.max * UNITS_PER_CHARACTER || given.length > 2 * rule.max * UNITS_PER_CHARACTER) {
    return { ok: false, problem: 'too_long', message: `a ${rule.label} must be ${bounds}` };
  }
  // Judged before trimming: trim() would quietly drop a leading U+FEFF or a trailing newline.
  const forbidden = forbiddenCharacter(given);
  if (forbidden) {
    const row = REFUSED.find((r) => r.problem === forbidden.problem)!;
    return { ok: false, problem: forbidden.problem, message: row.says(rule.label, forbidden.codePoint) };
  }
  const count = characterCount(text);
  if (count < rule.min) return { ok: false, problem: 'too_short', message: `a ${rule.label} must be ${bounds}` };
  if (count > rule.max) return { ok: false, problem: 'too_long', message: `a ${rule.label} must be ${bounds}` };
  return { ok: true, text };
}

/** Impersonation reasons (PROTOCOL §3.2: 3–500 characters). */
export const REASON_RULE: FreeTextRule = { label: 'reason', min: 3, max: 500 };
/** Display names of admins and users (CLI, seed, console), and of tenants and clients (config). */
export const NAME_RULE: FreeTextRule = { label: 'name', min: 1, max: 200 };
/** A tenant's `supportTeamLabel`, shown to its users after the admin's name. */
export const TEAM_LABEL_RULE: FreeTextRule = { label: 'support team label', min: 1, max: 60 };
/** Passkey labels. */
export const PASSKEY_NAME_RULE: FreeTextRule = { label: 'passkey name', min: 1, max: 64 };
