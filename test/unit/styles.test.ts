// Prompt styles (src/protocol/styles.ts): templates applied as A1111 applies its styles.csv, and
// the setting parsed with a message for every bad entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStyle, applyTemplate, parseStyles } from '../../src/protocol/styles';

test('a template puts the prompt in every {prompt}', () => {
  assert.equal(applyTemplate('{prompt}, watercolor', 'a fox'), 'a fox, watercolor');
  assert.equal(applyTemplate('ukiyo-e print of {prompt}, {prompt} in the snow', 'a fox'), 'ukiyo-e print of a fox, a fox in the snow');
  // Replacement patterns of String.replace stay text.
  assert.equal(applyTemplate('{prompt}!', 'costs $& and $1'), 'costs $& and $1!');
});

test('a template without {prompt} is added after the text, or stands alone', () => {
  assert.equal(applyTemplate('watercolor', 'a fox'), 'a fox, watercolor');
  assert.equal(applyTemplate('watercolor', '  '), 'watercolor');
  assert.equal(applyTemplate('', 'a fox'), 'a fox');
  assert.equal(applyTemplate('   ', 'a fox'), 'a fox');
});

test('a style changes the prompt and the negative prompt; none changes nothing', () => {
  const style = { name: 'Ink', prompt: 'ink drawing of {prompt}', negativePrompt: '{prompt}, colour' };
  assert.deepEqual(applyStyle(style, 'a fox', 'blurry'), { prompt: 'ink drawing of a fox', negativePrompt: 'blurry, colour' });
  assert.deepEqual(applyStyle(style, 'a fox', ''), { prompt: 'ink drawing of a fox', negativePrompt: ', colour' });
  assert.deepEqual(applyStyle(undefined, 'a fox', 'blurry'), { prompt: 'a fox', negativePrompt: 'blurry' });
  assert.deepEqual(applyStyle({ name: 'Neg only', prompt: '', negativePrompt: 'photo' }, 'a fox', ''), { prompt: 'a fox', negativePrompt: 'photo' });
});

test('the setting: good entries kept in order, each bad one named with its fix', () => {
  const { styles, problems } = parseStyles([
    { name: ' Watercolor ', prompt: '{prompt}, watercolor' },
    'anime',
    { prompt: '{prompt}, oil' },
    { name: 'watercolor', prompt: 'x {prompt}' },
    { name: 'Typo', prompt: '{prompt}', negative: 'blur' },
    { name: 'Numbers', prompt: 5 },
    { name: 'Empty', prompt: '  ' },
    { name: 'Neg', negativePrompt: 'photo' },
    { name: 'x'.repeat(61), prompt: '{prompt}' },
  ]);
  assert.deepEqual(styles, [
    { name: 'Watercolor', prompt: '{prompt}, watercolor', negativePrompt: '' },
    { name: 'Neg', prompt: '', negativePrompt: 'photo' },
  ]);
  assert.equal(problems.length, 7);
  assert.match(problems[0], /^pixart\.styles\[1\] must be an object/);
  assert.match(problems[1], /^pixart\.styles\[2\] has no "name"/);
  assert.match(problems[2], /^pixart\.styles\[3\] \("watercolor"\): pixart\.styles\[0\] has the same name/);
  assert.match(problems[3], /^pixart\.styles\[4\] \("Typo"\): unknown key "negative"/);
  assert.match(problems[4], /"prompt" must be text/);
  assert.match(problems[5], /\("Empty"\) changes nothing/);
  assert.match(problems[6], /longer than 60 characters/);
});

test('the setting: unset is no styles; not a list is one problem; more than 100 are cut', () => {
  assert.deepEqual(parseStyles(undefined), { styles: [], problems: [] });
  assert.deepEqual(parseStyles(null), { styles: [], problems: [] });
  const notList = parseStyles({ name: 'x', prompt: '{prompt}' });
  assert.equal(notList.styles.length, 0);
  assert.match(notList.problems[0], /must be a list/);
  const many = parseStyles(Array.from({ length: 105 }, (_, i) => ({ name: `s${i}`, prompt: `{prompt} ${i}` })));
  assert.equal(many.styles.length, 100);
  assert.deepEqual(many.problems, ['pixart.styles has 105 entries; the first 100 are used.']);
});
