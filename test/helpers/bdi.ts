import assert from 'node:assert/strict';

/**
 * Every occurrence of `text` in the page's body sits inside a <bdi> element (PROTOCOL
 * §10.7). <title> is left out: it can hold no markup.
 */
export function assertIsolated(page: string, text: string, where: string) {
  const html = page.replace(/<title>[^<]*<\/title>/, '<title></title>');
  let at = html.indexOf(text);
  assert.ok(at >= 0, `${where}: "${text}" is shown`);
  for (; at >= 0; at = html.indexOf(text, at + text.length)) {
    const open = html.lastIndexOf('<bdi>', at);
    const close = html.lastIndexOf('</bdi>', at);
    assert.ok(open > close, `${where}: "${text}" at ${at} is not inside <bdi>: …${html.slice(Math.max(0, at - 80), at + text.length + 20)}…`);
  }
}
