// A garbage model file is refused with one line naming it, and OpenVINO never sees it: before the
// check, its frontends probed the file and TensorFlow's printed parse errors to stderr (issue 16,
// finding 9). Run in a child process, since the noise is the native library's own stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { testRuntime } from '../support/engines';

const engineModule = join(__dirname, '..', '..', 'src', 'engine', 'openvino-c.ts');

test('the C engine refuses a garbage .xml and .onnx without OpenVINO printing anything', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixart-garbage-model-'));
  writeFileSync(join(dir, 'openvino_model.xml'), 'garbage garbage\n');
  writeFileSync(join(dir, 'openvino_model.bin'), 'x');
  writeFileSync(join(dir, 'model.onnx'), 'garbage garbage\n');
  const script = `
    const { OpenVinoCEngine } = require(${JSON.stringify(engineModule)});
    (async () => {
      const engine = new OpenVinoCEngine(process.env.LIB);
      for (const f of ['openvino_model.xml', 'model.onnx']) {
        await engine.compileModel(require('node:path').join(process.env.DIR, f)).then(() => console.log('compiled ' + f), (e) => console.log(e.message));
      }
      engine.dispose();
    })();`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', env: { ...process.env, LIB: testRuntime().libraryPath, DIR: dir } });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], `${join(dir, 'openvino_model.xml')} is not an OpenVINO IR: an IR's .xml starts with the element <net>, this one with "garbage garbage\\n". Copy or convert the model again.`);
  assert.equal(lines[1], `${join(dir, 'model.onnx')} is not an ONNX model, or is cut short. Copy or convert the model again.`);
  assert.doesNotMatch(r.stderr, /tensorflow|absl|text_format|frontend/i, 'no frontend noise on stderr');
});
