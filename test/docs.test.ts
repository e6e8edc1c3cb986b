/**
 * Docs a newcomer can hold (issue 18): the README stays short; every relative link in the
 * README, docs/*.md and the kit's README leads somewhere — the file exists and, for a
 * Markdown target, the `#anchor` is one of its headings (GitHub's slugs); and every complete
 * example they show is a file under examples/, shown exactly (a `<!-- example: path -->`
 * line before its code block), which test/examples/examples.test.ts typechecks and runs.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, it } from 'node:test';

const README_MAX_LINES = 400;
const documents = ['README.md', 'packages/rp/README.md', 'bench/README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/**
 * The text outside fenced code blocks and inline code, where a link is a link; with `links`
 * false, the code blocks that are not marked as an example file (the ones left to check).
 */
function prose(markdown: string, links = true): string {
  if (!links) return markdown.replace(/^<!-- example: \S+ -->\n```(?:ts|sh)\n[\s\S]*?^```$/gm, '');
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchors (github-slugger): lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>();
  const seen = new Map<string, number>();
  const withoutCode = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const [, text] of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const plain = text!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = plain
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    slugs.add(n === 0 ? base : `${base}-${n}`);
  }
  return slugs;
}

/** Relative links (inline and images) of a document: `[text](target)`, without the external ones. */
function relativeLinks(markdown: string): string[] {
  const targets = [...prose(markdown).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

describe('docs', () => {
  it(`README.md has at most ${README_MAX_LINES} lines`, () => {
    const lines = readFileSync('README.md', 'utf8').split('\n').length;
    assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines`);
  });

  for (const document of documents) {
    it(`every relative link in ${document} resolves, anchors included`, () => {
      const markdown = readFileSync(document, 'utf8');
      const links = relativeLinks(markdown);
      const broken: string[] = [];
      for (const link of links) {
        const [path, anchor] = link.split('#', 2) as [string, string | undefined];
        const target = path === '' ? document : normalize(join(dirname(document), decodeURIComponent(path)));
        if (!existsSync(target)) {
          broken.push(`${link}: no ${target}`);
          continue;
        }
        if (anchor !== undefined && target.endsWith('.md') && !headingSlugs(readFileSync(target, 'utf8')).has(anchor)) {
          broken.push(`${link}: no heading #${anchor} in ${target}`);
        }
      }
      assert.deepEqual(broken, [], `${document} has broken links`);
    });
  }

  it('every complete example shown is the file it names, exactly, and every example file is shown', () => {
    const shown = new Set<string>();
    for (const document of documents) {
      const markdown = readFileSync(document, 'utf8');
      for (const [, path, code] of markdown.matchAll(/^<!-- example: (\S+) -->\n```(?:ts|sh)\n([\s\S]*?)^```$/gm)) {
        assert.equal(code, readFileSync(path!, 'utf8'), `${document} shows ${path} as it is`);
        shown.add(path!);
      }
      // A block that imports and makes an app (new Koa(), express(), listen, export default) is a
      // complete example: it must be a file.
      for (const [block] of prose(markdown, false).matchAll(/^```ts\n[\s\S]*?^```$/gm)) {
        if (/^import /m.test(block) && /new Koa\(|express\(\)|\.listen\(|^export default/m.test(block)) assert.fail(`${document}: a complete example that is not a file under examples/:\n${block.slice(0, 200)}`);
      }
    }
    for (const dir of readdirSync('examples', { withFileTypes: true })) {
      if (!dir.isDirectory() || dir.name === 'tenant-app') continue;
      for (const file of readdirSync(`examples/${dir.name}`).filter((f) => f.endsWith('.ts'))) {
        assert.ok(shown.has(`examples/${dir.name}/${file}`), `examples/${dir.name}/${file} is shown in a README`);
      }
    }
  });

  it('the slugs are GitHub\'s', () => {
    const slugs = headingSlugs('# Relying-party kit (`@gatehouse/rp`)\n## A — b\n## A — b\n```\n# not a heading\n```\n');
    assert.deepEqual([...slugs], ['relying-party-kit-gatehouserp', 'a--b', 'a--b-1']);
  });

  it('finds a broken link when there is one', () => {
    assert.deepEqual(relativeLinks('[a](docs/none.md) `[b](x.md)` [c](https://example.com) ![d](img.png)'), ['docs/none.md', 'img.png']);
  });
});
