import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { altFromPrompt, imageSnippet, relativeImagePath, snippetKindFor, urlPath, markdownLink, UnsafePathError } from '../../src/extension/insertion';

const root = path.resolve('/ws');
const img = path.join(root, 'assets', 'generated', '2026-11-26-153012-seed42-small-cactus.png');

test('paths are relative to the document, with posix separators', () => {
  assert.equal(relativeImagePath(img, path.join(root, 'README.md')), 'assets/generated/2026-11-26-153012-seed42-small-cactus.png');
  assert.equal(relativeImagePath(img, path.join(root, 'docs', 'guide', 'intro.md')), '../../assets/generated/2026-11-26-153012-seed42-small-cactus.png');
  assert.equal(relativeImagePath(img, path.join(root, 'assets', 'generated', 'index.html')), '2026-11-26-153012-seed42-small-cactus.png');
  assert.equal(relativeImagePath(img, undefined, root), 'assets/generated/2026-11-26-153012-seed42-small-cactus.png');
  assert.equal(relativeImagePath(img), img.split(path.sep).join('/'));
});

test('language kinds', () => {
  assert.equal(snippetKindFor('markdown'), 'markdown');
  assert.equal(snippetKindFor('mdx'), 'markdown');
  for (const l of ['html', 'vue', 'svelte', 'php']) assert.equal(snippetKindFor(l), 'html', l);
  for (const l of ['javascriptreact', 'typescriptreact']) assert.equal(snippetKindFor(l), 'jsx', l);
  for (const l of ['css', 'scss', 'less']) assert.equal(snippetKindFor(l), 'css', l);
  for (const l of ['plaintext', 'python', 'json', 'unknown-lang']) assert.equal(snippetKindFor(l), 'path', l);
});

test('snippets per language', () => {
  const rel = 'assets/generated/cactus.png';
  assert.equal(imageSnippet('markdown', rel, 'a small cactus'), '![a small cactus](assets/generated/cactus.png)');
  assert.equal(imageSnippet('html', rel, 'a "small" <cactus> & co'), '<img src="assets/generated/cactus.png" alt="a &quot;small&quot; &lt;cactus&gt; &amp; co">');
  assert.equal(imageSnippet('vue', rel, 'x'), '<img src="assets/generated/cactus.png" alt="x">');
  assert.equal(imageSnippet('typescriptreact', rel, 'a {b}'), '<img src="assets/generated/cactus.png" alt="a &#123;b&#125;" />');
  assert.equal(imageSnippet('scss', rel, 'x'), 'url("assets/generated/cactus.png")');
  assert.equal(imageSnippet('restructuredtext', rel, 'x'), '.. image:: assets/generated/cactus.png\n   :alt: x');
  assert.equal(imageSnippet('asciidoc', rel, 'a, b'), 'image::assets/generated/cactus.png[a  b]');
  assert.equal(imageSnippet('latex', rel, 'x'), '\\includegraphics{assets/generated/cactus.png}');
  assert.equal(imageSnippet('python', rel, 'x'), 'assets/generated/cactus.png');
});

test('special characters in paths and alt text are encoded or escaped', () => {
  assert.equal(urlPath('../my images/a (1).png'), '../my%20images/a%20%281%29.png');
  assert.equal(imageSnippet('markdown', 'my images/a.png', 'brackets [x] \\'), '![brackets \\[x\\] \\\\](my%20images/a.png)');
  assert.equal(imageSnippet('python', 'my images/a.png', 'x'), 'my images/a.png');
});

test('alt text from the prompt: one line, word-bounded', () => {
  assert.equal(altFromPrompt('  a small\n cactus  '), 'a small cactus');
  const long = altFromPrompt('word '.repeat(40), 30);
  assert.ok(long.length <= 31 && long.endsWith('…'), long);
  assert.equal(markdownLink('a.png', 'cat'), '![cat](a.png)');
});

test('reStructuredText: spaces and backslashes escaped, alt on one line, a line break in the path refused', () => {
  assert.equal(imageSnippet('restructuredtext', 'my images/a\\b.png', 'x'), '.. image:: my\\ images/a\\\\b.png\n   :alt: x');
  assert.equal(imageSnippet('restructuredtext', 'a.png', 'cat\n.. raw:: html\n\n   <script>'), '.. image:: a.png\n   :alt: cat .. raw:: html    <script>');
  assert.throws(() => imageSnippet('restructuredtext', 'a\n.. raw:: html\n.png', 'x'), (e: Error) => e instanceof UnsafePathError && /contains U\+000A\. Rename the file\./.test(e.message));
  assert.throws(() => imageSnippet('restructuredtext', 'a\r.png', 'x'), UnsafePathError);
});

test('AsciiDoc: [ and ] in the path refused, alt text cannot close the attribute list or break the line', () => {
  assert.equal(imageSnippet('asciidoc', 'my images/a#1%.png', 'x'), 'image::my images/a#1%.png[x]');
  assert.equal(imageSnippet('asciidoc', 'a.png', 'cat], role=evil\n== Heading'), 'image::a.png[cat   role=evil == Heading]');
  for (const bad of ['a[1].png', 'a]b.png', 'a\nb.png']) assert.throws(() => imageSnippet('asciidoc', bad, 'x'), UnsafePathError, bad);
});

test('LaTeX: what TeX would read as markup in the path is refused, with the character named', () => {
  assert.equal(imageSnippet('latex', '../my images/a_b-1.png', 'x'), '\\includegraphics{../my images/a_b-1.png}');
  for (const c of ['}', '{', '%', '#', '\\', '$', '&', '^', '~']) {
    assert.throws(() => imageSnippet('latex', `a${c}b.png`, 'x'), (e: Error) => e instanceof UnsafePathError && e.message.includes(`contains "${c}"`) && e.message.includes('LaTeX'), c);
  }
  assert.throws(() => imageSnippet('tex', 'a\nb.png', 'x'), UnsafePathError);
});
