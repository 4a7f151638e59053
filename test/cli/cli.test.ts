// The command line, as a user runs it: each fixture case reproduced from its case.json alone,
// and bad input answered with one clear line and a non-zero exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync, cpSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { listCases, modelFolderForCase, caseFile } from '../support/cases';
import { tinyModelDir } from '../support/paths';
import { runtimeEnv } from '../support/engines';
import { readPngText } from '../../src/image/png';
import { fromParameters } from '../../src/image/parameters';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
const out = mkdtempSync(join(tmpdir(), 'pixart-cli-'));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...runtimeEnv() } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the CLI is built', () => {
  assert.ok(existsSync(cli), `${cli} is missing: run npm run build`);
});

for (const c of listCases()) {
  test(`CLI reproduces ${c.name} from case.json alone`, async () => {
    const file = join(out, `${c.name}.png`);
    const prompts = Array.isArray(c.prompt) ? c.prompt : [c.prompt];
    const r = run([
      'generate', '--model', modelFolderForCase(c),
      ...prompts.flatMap((p) => ['--prompt', p]),
      '--negative-prompt', c.negative_prompt,
      '--seed', String(c.seed), '--steps', String(c.num_inference_steps), '--guidance', String(c.guidance_scale),
      '--width', String(c.width), '--height', String(c.height),
      ...(c.use_resolution_binning ? [] : ['--no-binning']),
      '--images', String(c.num_images_per_prompt),
      '--scheduler-config', caseFile(c, 'scheduler_config.json'),
      '--precision', 'f32', '--out', file,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout.trim());
    assert.equal(report.seed, String(c.seed));
    assert.equal(report.files.length, c.image_shape[0]);
    for (const [i, f] of (report.files as string[]).entries()) {
      const ours = await sharp(f).raw().toBuffer({ resolveWithObject: true });
      const ref = await sharp(caseFile(c, `image_${i}.png`)).raw().toBuffer();
      assert.deepEqual([ours.info.height, ours.info.width], [c.image_shape[1], c.image_shape[2]]);
      let off = 0;
      let worst = 0;
      for (let k = 0; k < ref.length; k++) {
        const d = Math.abs(ours.data[k] - ref[k]);
        if (d > 1) off++;
        worst = Math.max(worst, d);
      }
      assert.ok(off / ref.length <= 0.001 && worst <= 2, `${f}: ${off} values off by more than 1, max ${worst}`);
      const p = fromParameters(readPngText(readFileSync(f)).parameters);
      const perPrompt = c.num_images_per_prompt;
      assert.equal(p.prompt, prompts[Math.floor(i / perPrompt)]);
      assert.equal(p.seed, String(c.seed));
      assert.equal(p.steps, c.num_inference_steps);
      assert.equal(p.guidanceScale, c.guidance_scale);
      assert.deepEqual([p.width, p.height], [c.width, c.height]);
      assert.equal(p.negativePrompt, c.do_classifier_free_guidance ? c.negative_prompt : '');
    }
  });
}

test('--out names the format: PNG, WebP and JPEG with the same parameters, which pixart info reads back from all three', async () => {
  const base = ['generate', '--model', tinyModelDir, '--prompt', 'a lighthouse at dusk, ünïcode', '--negative-prompt', 'fog', '--seed', '18446744073709551615', '--steps', '2', '--guidance', '2', '--width', '128', '--height', '128'];
  const files = ['a.png', 'b.webp', 'c.jpg'].map((f) => join(out, `formats-${f}`));
  const decoded = [];
  for (const file of files) {
    const r = run([...base, '--out', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim()).files, [file]);
    decoded.push(await sharp(file).raw().toBuffer({ resolveWithObject: true }));
  }
  assert.deepEqual(decoded.map((d) => d.info.format), ['raw', 'raw', 'raw']);
  assert.deepEqual((await Promise.all(files.map((f) => sharp(f).metadata()))).map((m) => [m.format, m.width, m.height]), [['png', 128, 128], ['webp', 128, 128], ['jpeg', 128, 128]]);
  const info = spawnSync(process.execPath, [cli, 'info', '--json', ...files], { encoding: 'utf8' });
  assert.equal(info.status, 0, info.stderr);
  const read = JSON.parse(info.stdout) as { format: string; parameters: Record<string, unknown>; text: string }[];
  assert.deepEqual(read.map((e) => e.format), ['png', 'webp', 'jpeg']);
  const png = read[0].parameters;
  assert.deepEqual([png.prompt, png.negativePrompt, png.seed, png.steps, png.guidanceScale, png.width, png.height], ['a lighthouse at dusk, ünïcode', 'fog', '18446744073709551615', 2, 2, 128, 128]);
  assert.deepEqual(read[1].parameters, png, 'the WebP carries the same parameters');
  assert.deepEqual(read[2].parameters, png, 'the JPEG carries the same parameters');
  assert.equal(read[1].text, read[0].text);
  assert.equal(read[2].text, read[0].text);
});

test('an existing output is not overwritten without --force', () => {
  const file = join(out, 'exists.png');
  writeFileSync(file, 'keep me');
  const r = run(['generate', '--model', tinyModelDir, '--prompt', 'x', '--width', '128', '--height', '128', '--out', file]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /exists\.png exists; choose another --out or pass --force/);
  assert.equal(readFileSync(file, 'utf8'), 'keep me');
});

test('bad input: one line naming the problem, non-zero exit, nothing written', () => {
  const broken = mkdtempSync(join(tmpdir(), 'pixart-broken-'));
  cpSync(tinyModelDir, broken, { recursive: true, dereference: true });
  rmSync(join(broken, 'vae_decoder', 'model.onnx'));
  const cases: [string[], number, RegExp][] = [
    [['--model', broken, '--prompt', 'x'], 1, /vae_decoder: no model file in .*vae_decoder/],
    [['--model', join(out, 'nope'), '--prompt', 'x'], 1, /model folder .*nope does not exist/],
    [['--model', tinyModelDir, '--prompt', 'x', '--seed', 'abc'], 2, /--seed: The seed must be a whole number/],
    [['--model', tinyModelDir, '--prompt', 'x', '--steps', '0'], 2, /--steps: Steps must be a whole number from 1/],
    [['--model', tinyModelDir, '--prompt', 'x', '--width', '256', '--height', '256', '--no-binning'], 1, /only runs 128x128 .*256x256 was asked without resolution binning/],
  ];
  for (const [args, code, re] of cases) {
    const file = join(out, 'bad.png');
    const r = run(['generate', ...args, '--out', file]);
    assert.equal(r.status, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0], re);
    assert.equal(existsSync(file), false);
  }
});

/** Like run, but killed after 30 s: these answers must come before any model is loaded. */
function runBounded(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...runtimeEnv() } });
  return { status: r.status, stderr: r.stderr, timedOut: r.error !== undefined };
}

test('output problems are found before the model is loaded: one line each', () => {
  const noModel = join(out, 'no-model'); // loading it would fail: the output check must answer first
  const dir = join(out, 'folder.png');
  mkdirSync(dir, { recursive: true });
  const cases: [string[], RegExp][] = [
    [['--out', join(out, 'missing', 'o.png')], /^pixart: --out: the folder .*missing does not exist; create it first$/],
    [['--out', dir], /^pixart: --out: .*folder\.png is a folder; name a \.png, \.webp or \.jpg file$/],
    [['--out', dir, '--force'], /^pixart: --out: .*folder\.png is a folder; name a \.png, \.webp or \.jpg file$/],
    [['--out', join(out, 'o.png'), '--cache-dir', '/proc/pixart-cache'], /^pixart: --cache-dir: cannot create \/proc\/pixart-cache \(ENOENT\); choose another folder$/],
  ];
  for (const [args, re] of cases) {
    if (args.includes('/proc/pixart-cache') && !existsSync('/proc/self')) continue;
    const r = runBounded(['generate', '--model', noModel, '--prompt', 'x', ...args]);
    assert.equal(r.timedOut, false, `${args.join(' ')}: still running after 30 s`);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0], re);
  }
});

test('the CLI removes the temporary files a killed run left in its output folder', () => {
  const folder = mkdtempSync(join(tmpdir(), 'pixart-cli-stale-'));
  const hourAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
  for (const name of ['.o.png.0123456789ab.tmp', '.pixart-0123456789ab.tmp', '.pixart-fedcba987654.tmp']) writeFileSync(join(folder, name), 'partial');
  for (const name of ['.o.png.0123456789ab.tmp', '.pixart-0123456789ab.tmp']) utimesSync(join(folder, name), hourAgo, hourAgo);
  try {
    const r = runBounded(['generate', '--model', join(out, 'no-model'), '--prompt', 'x', '--out', join(folder, 'o.png')]);
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(readdirSync(folder), ['.pixart-fedcba987654.tmp'], 'stale ones removed, a fresh one (another run writing) kept');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('a read-only output folder is named before generating', (t) => {
  const disk = mkdtempSync(join(tmpdir(), 'pixart-cli-ro-'));
  try {
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', disk]).status !== 0) {
      t.skip('mount -t tmpfs is not permitted here (needs root): the read-only folder is not tested');
      return;
    }
    try {
      const r = runBounded(['generate', '--model', join(out, 'no-model'), '--prompt', 'x', '--out', join(disk, 'o.png')]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr.split('\n')[0], /^pixart: --out: cannot write in .*pixart-cli-ro-\w+ \(read-only file system\); choose another --out$/);
    } finally {
      spawnSync('umount', [disk]);
    }
  } finally {
    rmSync(disk, { recursive: true, force: true });
  }
});
