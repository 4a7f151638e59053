// Finding the OpenVINO C library (setting, environment, Python's openvino, the project venv) and
// creating engines from it, on the real runtime.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { findCLibrary, locateOpenVinoC } from '../../src/engine/locate-runtime';
import { createEngine } from '../../src/engine/index';
import { RUNTIME_FIX, RuntimeUnavailableError } from '../../src/engine/runtime-error';
import { listEnginesForConformance, openvinoPython, testRuntime } from '../support/engines';

const scratch = mkdtempSync(join(tmpdir(), 'pixart-locate-'));
const { untested } = listEnginesForConformance();
after(() => rmSync(scratch, { recursive: true, force: true }));

/** An extension folder's openvino/ as a platform VSIX lays it out, linking the test runtime's files. */
function bundledCopy(): string {
  const libs = dirname(testRuntime().libraryPath);
  const bundle = join(mkdtempSync(join(scratch, 'extension-')), 'openvino');
  mkdirSync(join(bundle, 'libs'), { recursive: true });
  for (const name of readdirSync(libs)) symlinkSync(join(libs, name), join(bundle, 'libs', name));
  return bundle;
}

describe('locating the runtime and creating engines', () => {
  const empty = mkdtempSync(join(scratch, 'empty-'));
  const nowhere = { env: {}, python: join(empty, 'no-such-python'), searchFrom: [empty], bundledDir: null };

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

  it('an explicit path without the library is an error naming it, not a silent fallback', () => {
    assert.throws(() => locateOpenVinoC({ ...nowhere, libraryPath: empty }), (e: Error) =>
      e instanceof RuntimeUnavailableError && e.message === `pixart.openvinoLibraryPath is "${empty}", which holds no OpenVINO C library (libopenvino_c). Choose the library file or its folder.`);
    assert.throws(() => locateOpenVinoC({ ...nowhere, env: { PIXART_OPENVINO_LIB: empty } }), /PIXART_OPENVINO_LIB is ".*", which holds no OpenVINO C library/);
  });

  it('when nothing is found: one line with the fix for the user, what was tried for the log', () => {
    assert.throws(() => locateOpenVinoC(nowhere), (e: Error) =>
      e instanceof RuntimeUnavailableError && !e.message.includes('\n') && e.message.startsWith('No OpenVINO runtime found.') && e.message.includes(RUNTIME_FIX) &&
      /not found\. Tried:/.test(e.detail) && e.detail.includes('no-such-python: not found') && e.detail.includes('.cache/python-venv: not provisioned') &&
      e.detail.includes('pip install openvino==2026.4.1') && e.detail.includes('PIXART_OPENVINO_LIB'));
  });

  it('the bundled runtime (openvino/libs beside dist/) is found before a system one, after a path the user named', async () => {
    const bundle = bundledCopy();
    const found = locateOpenVinoC({ env: {}, bundledDir: bundle, python: openvinoPython() });
    assert.equal(found.source, 'bundled');
    assert.equal(dirname(found.libraryPath), join(bundle, 'libs'));
    assert.equal(locateOpenVinoC({ env: { PIXART_OPENVINO_LIB: testRuntime().libraryPath }, bundledDir: bundle }).source, 'env');
    const engine = await createEngine({ runtime: 'auto', bundledDir: bundle, env: {} });
    try {
      assert.equal(engine.name, 'openvino-c');
      assert.equal(engine.origin, 'bundled');
      assert.ok(engine.availableDevices().includes('CPU'));
    } finally {
      engine.dispose();
    }
  });

  it('a library the loader refuses: one line naming the file and why, the loader\'s words in the detail', async () => {
    const bogus = join(mkdtempSync(join(scratch, 'bogus-')), process.platform === 'win32' ? 'openvino_c.dll' : 'libopenvino_c.so.2641');
    writeFileSync(bogus, 'not a shared library\n'.repeat(100));
    await assert.rejects(createEngine({ runtime: 'openvino-c', libraryPath: bogus }), (e: Error) =>
      e instanceof RuntimeUnavailableError && e.message === `OpenVINO at ${bogus} could not be loaded: it is built for another kind of computer, or is not a library.` && e.detail.startsWith(`loading ${bogus}: `) && e.detail.length > `loading ${bogus}: `.length);
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
    await assert.rejects(createEngine({ runtime: 'auto', ...nowhere }), (e: Error) =>
      e instanceof RuntimeUnavailableError && e.message.startsWith('No OpenVINO runtime found.') &&
      /openvino-node: openvino-node is not usable/.test(e.detail) && /OpenVINO C API: .*Tried:/s.test(e.detail));
  });
});
