// Model files are checked before OpenVINO reads them (issue 16, finding 9): a file that is not an IR
// or an ONNX model is named with the fix, before OpenVINO's frontends probe it (TensorFlow's prints
// its parse errors to stderr; test/conformance/model-file-checks.test.ts shows it stays quiet).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { checkModelFiles } from '../../src/engine/model-files';
import { tinyModelDir } from '../support/paths';

const dir = mkdtempSync(join(tmpdir(), 'pixart-model-files-'));

function ir(name: string, xml: string): string {
  writeFileSync(join(dir, `${name}.xml`), xml);
  writeFileSync(join(dir, `${name}.bin`), '');
  return join(dir, `${name}.xml`);
}

test('an .xml that is not an IR is refused, naming the file, what it starts with and the fix', () => {
  const file = ir('garbage', 'garbage garbage\n');
  assert.throws(() => checkModelFiles(file), {
    message: `${file} is not an OpenVINO IR: an IR's .xml starts with the element <net>, this one with "garbage garbage\\n". Copy or convert the model again.`,
  });
  for (const xml of ['<?xml version="1.0"?>\n<html><body/></html>', '', '<network/>', '{"net": 1}']) {
    assert.throws(() => checkModelFiles(ir('other', xml)), /is not an OpenVINO IR/, JSON.stringify(xml));
  }
});

test('an IR root <net> is accepted after a BOM, the XML declaration, comments and whitespace', () => {
  for (const xml of ['<net/>', '<?xml version="1.0"?>\n<net name="m" version="11">', '\ufeff<?xml version="1.0"?>\r\n<!-- a\n comment -->\n\t<net\n name="m">']) {
    checkModelFiles(ir('ok', xml));
  }
});

test('a file that is not a whole ONNX protobuf is refused, naming the file', () => {
  const onnx = (name: string, data: string | Buffer) => {
    writeFileSync(join(dir, name), data);
    return join(dir, name);
  };
  const garbage = onnx('garbage.onnx', 'garbage garbage\n');
  assert.throws(() => checkModelFiles(garbage), { message: `${garbage} is not an ONNX model, or is cut short. Copy or convert the model again.` });
  const empty = onnx('empty.onnx', '');
  assert.throws(() => checkModelFiles(empty), { message: `${empty} is not an ONNX model: the file is empty. Copy or convert the model again.` });
  const cut = onnx('cut.onnx', readFileSync(join(tinyModelDir, 'text_encoder', 'model.onnx')).subarray(0, 5000));
  assert.throws(() => checkModelFiles(cut), /cut\.onnx is not an ONNX model, or is cut short/);
});

test('the fixtures\' ONNX models pass the check', () => {
  for (const component of ['text_encoder', 'transformer', 'vae_decoder']) {
    const file = join(dir, `${component}.onnx`);
    copyFileSync(join(tinyModelDir, component, 'model.onnx'), file);
    checkModelFiles(file);
  }
});
