// `pixart mcp` when things go wrong: a cancel while a call runs and while one waits (on a model
// whose steps take a second, test/support/slow-models.ts), a wrong start, a runtime that cannot
// load. Driven by the SDK's own client over stdio (mcp-client.ts), on the real OpenVINO runtime.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyModelDir } from '../support/paths';
import { writeSlowModelFolder } from '../support/slow-models';
import { callTool, filesUnder, generate, runCli, startServer, textOf, toolError } from './mcp-client';

const work = realpathSync(mkdtempSync(join(tmpdir(), 'pixart-mcp-cancel-')));

after(() => rmSync(work, { recursive: true, force: true }));

test('cancel: a queued call never runs, a running one stops at once; neither leaves a file', async () => {
  const slowDir = writeSlowModelFolder(tinyModelDir, join(work, 'slow-model'));
  const slow = await startServer(slowDir, join(work, 'slow-out'));
  try {
    // Loaded first, so the timings below are the generation's.
    await generate(slow, { prompt: 'warm up', steps: 1, name: 'warm' });
    const running = new AbortController();
    const queued = new AbortController();
    let cancelledAt = 0;
    let second: Promise<unknown> | undefined;
    // The second call is sent once the first is running (its checks before the queue are async, so
    // two calls sent together may enter the queue in either order), and both are cancelled a step later.
    const first = generate(slow, { prompt: 'a slow river', steps: 3, name: 'running' }, {
      signal: running.signal,
      onprogress: (p) => {
        if (p.progress === 1 && !second) second = generate(slow, { prompt: 'a slow river', steps: 3, name: 'queued' }, { signal: queued.signal });
        if (p.progress === 2 && !cancelledAt) {
          queued.abort('changed my mind');
          cancelledAt = performance.now();
          running.abort('changed my mind');
        }
      },
    });
    await assert.rejects(first, /changed my mind|abort|cancel/i);
    assert.ok(second, 'the second call was sent while the first ran');
    await assert.rejects(second, /changed my mind|abort|cancel/i);
    // The next call runs as soon as the cancelled one has let go of the pipeline.
    const next = await generate(slow, { prompt: 'after the cancel', steps: 1, name: 'next' });
    console.log(`after a cancel during a step, the next call waited ${next.out.timings.queuedMs} ms for the pipeline`);
    // Not cancelled, the step left and the decode would take seconds.
    assert.ok(next.out.timings.queuedMs < 1000, `the cancelled run let go of the pipeline at once (the next call waited ${next.out.timings.queuedMs} ms)`);
    assert.deepEqual(filesUnder(slow.out), ['next.png', 'warm.png']);
    assert.deepEqual(slow.errors, []);
  } finally {
    await slow.client.close();
  }
});

test('a wrong start is refused before serving: one line on stderr, a non-zero exit', () => {
  const start = (args: string[]) => runCli(['mcp', ...args]);
  const missing = start(['--model', join(work, 'no-model')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^pixart: model folder .*no-model does not exist or is not a folder/);
  assert.equal(missing.stdout, '');
  const file = join(work, 'a-file');
  writeFileSync(file, '');
  const outIsFile = start(['--model', tinyModelDir, '--out', file]);
  assert.equal(outIsFile.status, 2);
  assert.match(outIsFile.stderr, /--out: .*a-file is a file; name a folder/);
  for (const flag of ['--steps', '--prompt', '--force']) {
    const r = start(['--model', tinyModelDir, flag, '1']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, new RegExp(`${flag} is not a server option`));
  }
});

test('a model that cannot load is a tool error with the CLI\'s message, and the server keeps serving', async () => {
  const lib = join(work, 'no-openvino', 'libopenvino_c.so');
  const s = await startServer(tinyModelDir, join(work, 'out-broken'), ['--openvino-lib', lib]);
  try {
    const message = await toolError(s, 'generate_image', { prompt: 'a cat' });
    const cliRun = runCli(['generate', '--model', tinyModelDir, '--prompt', 'a cat', '--openvino-lib', lib, '--out', join(work, 'never.png')]);
    assert.equal(cliRun.status, 1);
    assert.equal(message, cliRun.stderr.split('\n')[0].replace(/^pixart: /, ''));
    assert.match(message, /--openvino-lib/);
    assert.match(await toolError(s, 'generate_image', { prompt: 'a cat' }), /--openvino-lib/, 'the next call tries again and says the same');
    const list = await callTool(s, 'list_images', {});
    assert.match(textOf(list), /No images in the output folder yet/);
  } finally {
    await s.client.close();
  }
});
