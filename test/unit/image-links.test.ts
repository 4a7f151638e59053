// The Markdown hover's link parsing (src/extension/studio/image-links.ts): which link is under the
// cursor, its target as a path, and a long hostile line costing no more than a short one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { cleanTarget, imageLinkAt, resolveImageTarget } from '../../src/extension/studio/image-links';

/** The link under every column of `line`: its target, or '' where there is none. */
const targets = (line: string) => [...line].map((_, i) => imageLinkAt(line, i)?.target ?? '');

test('Markdown images: the whole `![alt](target "title")` is the link, nothing outside it', () => {
  const link = '![a lake](../assets/generated/lake%20one.png "The lake")';
  const line = `See ${link} here`;
  const got = targets(line);
  const start = line.indexOf('!');
  got.forEach((t, i) => assert.equal(t, i >= start && i < start + link.length ? '../assets/generated/lake one.png' : '', `column ${i}`));
  assert.deepEqual(imageLinkAt(line, start), { target: '../assets/generated/lake one.png', start, end: start + link.length });
});

test('targets: angle brackets, queries and fragments, file: URIs; web and data images, links and other files are not hovered', () => {
  assert.equal(imageLinkAt('![x](<my pics/a b.webp>)', 2)?.target, 'my pics/a b.webp');
  assert.equal(imageLinkAt('![x](a.JPG?v=2#top)', 2)?.target, 'a.JPG');
  assert.equal(imageLinkAt("![x](a.jpeg 'single')", 2)?.target, 'a.jpeg');
  assert.equal(imageLinkAt('![x](file:///tmp/a.png)', 2)?.target, 'file:///tmp/a.png');
  for (const no of ['![x](https://example.com/a.png)', '![x](data:image/png;base64,AAAA.png)', '[x](a.png)', '![x](a.gif)', '![x](a.png.txt)', '![x]()', '![x](%E0%A4%A.png)']) {
    assert.equal(imageLinkAt(no, 2)?.target ?? '', no.endsWith('%A.png)') ? '%E0%A4%A.png' : '', no);
  }
  assert.equal(cleanTarget('vscode-resource:/a.png'), undefined);
});

test('HTML images in Markdown: <img src> with either quotes or none, the link being the whole tag', () => {
  const line = '<p><img alt="x" src="img/a.png" width="200"></p> and <IMG SRC=b.webp>';
  const first = line.indexOf('<img');
  assert.deepEqual(imageLinkAt(line, first + 5), { target: 'img/a.png', start: first, end: line.indexOf('</p>') });
  assert.equal(imageLinkAt(line, line.indexOf('b.webp'))?.target, 'b.webp');
  assert.equal(imageLinkAt("<img src='c d.png'>", 3)?.target, 'c d.png');
  assert.equal(imageLinkAt('<p>no image</p>', 3), undefined);
  assert.equal(imageLinkAt('<img data-src="a.png">', 3), undefined, 'src must be the attribute itself');
});

test('two links on a line: each column gives its own', () => {
  const line = '![a](one.png) ![b](two.png)';
  assert.equal(imageLinkAt(line, 3)?.target, 'one.png');
  assert.equal(imageLinkAt(line, 13), undefined, 'the space between');
  assert.equal(imageLinkAt(line, 20)?.target, 'two.png');
});

test('resolving: relative to the document, `/…` from the workspace root, file: URIs as they are', () => {
  const doc = path.resolve('/ws/docs');
  assert.equal(resolveImageTarget('../assets/a.png', doc, path.resolve('/ws')), path.resolve('/ws/assets/a.png'));
  assert.equal(resolveImageTarget('/assets/a.png', doc, path.resolve('/ws')), path.join(path.resolve('/ws'), 'assets/a.png'));
  assert.equal(resolveImageTarget('file:///tmp/x y.png', doc, undefined), path.resolve('/tmp/x y.png'));
});

test('hostile megabyte lines: each hover costs about what a short line does', () => {
  for (const hostile of ['!['.repeat(500_000), '<img '.repeat(200_000), '![x]('.repeat(200_000), '<img src=a.png '.repeat(100_000), `![a](${'b'.repeat(1_000_000)}`, `${'<img src='.repeat(50_000)}${'a'.repeat(500_000)}`]) {
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) imageLinkAt(hostile, 100_000 + i * 40_000);
    const ms = (performance.now() - t0) / 20;
    assert.ok(ms < 20, `${ms.toFixed(1)} ms per hover on ${hostile.slice(0, 12)}…`);
  }
});
