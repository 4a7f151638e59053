// A library path that holds no OpenVINO is named as the user gave it (issue 16, finding 9): the
// VS Code setting in the extension, the flag in the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { locateOpenVinoC } from '../../src/engine/locate-runtime';
import { RuntimeUnavailableError } from '../../src/engine/runtime-error';

const empty = mkdtempSync(join(tmpdir(), 'pixart-no-openvino-'));

test('the caller labels the library path option; the setting is the default', () => {
  assert.throws(() => locateOpenVinoC({ libraryPath: empty, libraryPathLabel: '--openvino-lib', env: {} }), (e: Error) => {
    assert.ok(e instanceof RuntimeUnavailableError);
    assert.equal(e.message, `--openvino-lib is "${empty}", which holds no OpenVINO C library (libopenvino_c). Choose the library file or its folder.`);
    assert.ok(e.detail.startsWith(`--openvino-lib = ${empty}: `), e.detail);
    assert.doesNotMatch(`${e.message} ${e.detail}`, /pixart\.openvinoLibraryPath/);
    return true;
  });
  assert.throws(() => locateOpenVinoC({ libraryPath: empty, env: {} }), { message: `pixart.openvinoLibraryPath is "${empty}", which holds no OpenVINO C library (libopenvino_c). Choose the library file or its folder.` });
});

test('when nothing is found, what was tried names the labelled option too', () => {
  const nowhere = { env: {}, bundledDir: null, python: join(empty, 'no-python'), searchFrom: [empty] };
  assert.throws(() => locateOpenVinoC({ ...nowhere, libraryPathLabel: '--openvino-lib' }), (e: Error) =>
    e instanceof RuntimeUnavailableError && e.detail.includes('  - --openvino-lib: not set') && !e.detail.includes('pixart.openvinoLibraryPath'));
  assert.throws(() => locateOpenVinoC(nowhere), (e: Error) => e instanceof RuntimeUnavailableError && e.detail.includes('  - setting pixart.openvinoLibraryPath: not set'));
});
