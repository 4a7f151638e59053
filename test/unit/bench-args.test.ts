// `npm run bench` options (bench/bench-args.ts) and the variants they make (bench/variants.ts):
// defaults, lists for --sizes/--busy, the refusals with their fixes, and which ratios are taken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseBenchArgs } from '../../bench/bench-args';
import { imageReference, ratioPairs, variantsFor } from '../../bench/variants';

const root = join(__dirname, '..', '..');
const tiny = join(root, 'test', 'fixtures', 'pixart-tiny');
const parse = (...argv: string[]) => parseBenchArgs(argv, root);

test('defaults: the tiny model at its own size, idle, f32, its diffusers checkpoint for the torch anchor', () => {
  const a = parse();
  assert.equal(a.model, tiny);
  assert.deepEqual([a.sizes, a.busy, a.precisions, a.torchPrecisions, a.runs, a.generations], [['auto'], [0], ['f32'], ['f32', 'bf16'], 5, 2]);
  assert.equal(a.diffusers, join(root, 'test', 'fixtures', 'pixart-tiny-diffusers'));
  assert.equal(a.baseline, null);
});

test('--sizes and --busy take lists: one condition each', () => {
  const a = parse('--sizes', '512x512,1024x1024', '--busy', '0,1', '--precision', 'f32,auto', '--torch-precision', 'bf16');
  assert.deepEqual([a.sizes, a.busy, a.precisions, a.torchPrecisions], [['512x512', '1024x1024'], [0, 1], ['f32', 'auto'], ['bf16']]);
});

test('bad options are refused, naming the option and what it takes', () => {
  assert.throws(() => parse('--size', '512'), /--size\/--sizes: WIDTHxHEIGHT/);
  assert.throws(() => parse('--size', '512x512', '--sizes', '512x512'), /--size or --sizes, not both/);
  assert.throws(() => parse('--busy', '-1'), /--busy takes a whole number/);
  assert.throws(() => parse('--precision', 'bf16'), /--precision takes f32, auto/);
  assert.throws(() => parse('--torch-precision', 'f16'), /--torch-precision takes f32, bf16/);
  assert.throws(() => parse('--warm'), /unknown option --warm \(options: /);
  assert.throws(() => parse('--runs'), /--runs needs a value/);
  assert.throws(() => parse('--model', '/work/elsewhere', '--anchor-torch'), /--anchor-torch needs --diffusers DIR/);
  assert.throws(() => parse('--anchor-torch', '--diffusers', tiny), /not a diffusers checkpoint .*vae_decoder/);
  assert.throws(() => parse('--baseline', '/nonexistent/checkout'), /no bench\/run-once.ts there; make one with: git worktree add/);
});

test('variants: ours, the baseline and anchor-ov at each precision, torch at each of its own; ratios are ours over the other', () => {
  const a = parse('--precision', 'f32,auto', '--anchor', '--anchor-torch', '--baseline', root);
  const v = variantsFor(a, root, 'python3');
  assert.deepEqual(v.map((x) => x.name), ['ours f32', 'ours auto', 'baseline f32', 'baseline auto', 'anchor-ov f32', 'anchor-ov auto', 'torch f32', 'torch bf16']);
  assert.deepEqual(ratioPairs(v).map(([x, y]) => `${x.name} / ${y.name}`), [
    'ours auto / ours f32',
    'ours f32 / baseline f32', 'ours f32 / anchor-ov f32', 'ours f32 / torch f32', 'ours f32 / torch bf16',
    'ours auto / baseline auto', 'ours auto / anchor-ov auto', 'ours auto / torch f32', 'ours auto / torch bf16',
  ]);
  const byName = (n: string) => v.find((x) => x.name === n)!;
  assert.equal(imageReference(v, byName('ours f32')), null);
  assert.equal(imageReference(v, byName('baseline auto')), byName('ours auto'));
  assert.equal(imageReference(v, byName('torch bf16')), byName('ours f32'));
});

test('each variant runs its own runner: the baseline from its checkout, the anchors with their options', () => {
  const a = parse('--anchor', '--anchor-torch', '--baseline', root, '--torch-text-encoder-dtype', 'bf16');
  const [ours, baseline, ov, torch] = variantsFor(a, root, 'python3');
  const c = (x: typeof ours) => x.command('warm', ['--size', '128x128'], '/tmp/cache', '/tmp/image.rgb');
  assert.deepEqual(c(ours).args.slice(0, 3), ['--import', 'tsx', join(root, 'bench', 'run-once.ts')]);
  assert.equal(c(baseline).cwd, root);
  assert.ok(c(ov).args.includes('--compile-props') && c(ov).args[0].endsWith('anchor.py'));
  const t = c(torch).args;
  assert.ok(t[0].endsWith('anchor-torch.py'));
  assert.deepEqual(t.slice(t.indexOf('--diffusers'), t.indexOf('--diffusers') + 2), ['--diffusers', a.diffusers]);
  assert.deepEqual(t.slice(-2), ['--text-encoder-dtype', 'bf16']);
  for (const x of [ours, ov, torch]) assert.deepEqual(c(x).args.slice(c(x).args.indexOf('--phase'), c(x).args.indexOf('--phase') + 2), ['--phase', 'warm']);
});
