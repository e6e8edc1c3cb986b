import type { RpPage } from './types.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

/** Headers of every page and redirect the kit answers with: never cached, no referrer. */
export const NO_STORE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
};

/**
 * The default page: a minimal standalone HTML document. Everything interpolated is escaped; no
 * script, no inline style (the host app's CSP stays intact).
 */
export function renderDefaultPage(page: RpPage): string {
  const paragraphs = page.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`);
  if (page.code) paragraphs.push(`<p><small>Details for support: ${escapeHtml(page.code)}</small></p>`);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>${escapeHtml(page.title)}</title></head>
<body>
<h1>${escapeHtml(page.title)}</h1>
${paragraphs.join('\n')}
</body>
</html>
`;
}
