// Finding the OpenVINO C library (setting, environment, Python's openvino, the project venv) and
// creating engines from it, on the real runtime.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { findCLibrary, locateOpenVinoC } from '../../src/engine/locate-runtime';
import { createEngine } from '../../src/engine/index';
import { listEnginesForConformance, openvinoPython, testRuntime } from '../support/engines';

const scratch = mkdtempSync(join(tmpdir(), 'pixart-locate-'));
const { untested } = listEnginesForConformance();
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('locating the runtime and creating engines', () => {
  const empty = mkdtempSync(join(scratch, 'empty-'));
  const nowhere = { env: {}, python: join(empty, 'no-such-python'), searchFrom: [empty] };

  it('finds libopenvino_c from the file, its folder, or the openvino package above it', () => {
    const lib = testRuntime().libraryPath;
    assert.match(basename(lib), /openvino_c/);
    assert.equal(findCLibrary(lib), lib);
    assert.equal(findCLibrary(dirname(lib)), lib);
    assert.equal(findCLibrary(dirname(dirname(lib))), lib, 'site-packages/openvino → libs/');
    assert.equal(findCLibrary(empty), undefined);
    assert.deepEqual(locateOpenVinoC({ ...nowhere, libraryPath: dirname(lib) }), { libraryPath: lib, source: 'option' });
    assert.deepEqual(locateOpenVinoC({ ...nowhere, env: { PIXART_OPENVINO_LIB: lib } }), { libraryPath: lib, source: 'env' });
  });

  it('asks a Python interpreter for its openvino package', () => {
    const python = openvinoPython();
    const found = locateOpenVinoC({ env: {}, python, searchFrom: [empty] });
    assert.equal(found.source, 'python');
    assert.equal(found.python, python);
    assert.match(basename(found.libraryPath), /openvino_c/);
  });

  it('an explicit path without the library is an error with the fix, not a silent fallback', () => {
    assert.throws(() => locateOpenVinoC({ ...nowhere, libraryPath: empty }), (e: Error) =>
      e.message.includes(empty) && e.message.includes('pip install openvino==2026.4.1') && e.message.includes('pixart.openvinoRuntime'));
    assert.throws(() => locateOpenVinoC({ ...nowhere, env: { PIXART_OPENVINO_LIB: empty } }), /PIXART_OPENVINO_LIB is ".*", which holds no libopenvino_c/);
  });

  it('when nothing is found, the error lists what was tried and what to do', () => {
    assert.throws(() => locateOpenVinoC(nowhere), (e: Error) =>
      /not found\. Tried:/.test(e.message) && e.message.includes('no-such-python: not found') &&
      e.message.includes('.cache/python-venv: not provisioned') && e.message.includes('pip install openvino==2026.4.1') &&
      e.message.includes('PIXART_OPENVINO_LIB'));
  });

  it('createEngine: openvino-c on an explicit library, and auto', async () => {
    const c = await createEngine({ runtime: 'openvino-c', libraryPath: testRuntime().libraryPath });
    assert.equal(c.name, 'openvino-c');
    c.dispose();
    const auto = await createEngine({ runtime: 'auto', libraryPath: testRuntime().libraryPath });
    assert.equal(auto.name, untested.some((u) => u.name === 'openvino-node') ? 'openvino-c' : 'openvino-node');
    auto.dispose();
  });

  it('createEngine: when no runtime works, the error gives both reasons and the fix', async () => {
    if (!untested.some((u) => u.name === 'openvino-node')) return; // openvino-node works here: auto cannot fail
    await assert.rejects(createEngine({ runtime: 'openvino-node' }), /openvino-node is not usable/);
    await assert.rejects(createEngine({ runtime: 'auto', libraryPath: empty }), (e: Error) =>
      /openvino-node: openvino-node is not usable/.test(e.message) && /OpenVINO C API: .*holds no libopenvino_c/.test(e.message) &&
      e.message.includes('Fix: Install the OpenVINO runtime with "pip install openvino==2026.4.1"'));
  });
});
