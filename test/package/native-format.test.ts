// The native header reader on real binaries: this machine's own, and the openvino wheels' files
// for every OS, cross-checked against binutils where it can read the format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseNative, readNative, sniffFormat } from '../../scripts/lib/native-format.mjs';
import { checkNeeds, classifyLib } from '../../scripts/lib/openvino-subset.mjs';
import { readEntries, repoRoot, wheelOf } from './support';

const hostArch: Record<string, string> = { x64: 'x86-64', arm64: 'aarch64' };

function tool(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  return r.status === 0 ? r.stdout : undefined;
}

/** `cmd args… file` on `bytes` written to a temporary file; its stdout, or undefined when it cannot run. */
function toolOn(bytes: Buffer, cmd: string, args: string[]): string | undefined {
  const tmp = mkdtempSync(join(tmpdir(), 'pixart-native-'));
  try {
    writeFileSync(join(tmp, 'binary'), bytes);
    return tool(cmd, [...args, join(tmp, 'binary')]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const readelfNeeded = (out: string) => [...out.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);

const libsOf = async (target: string, names: string[]) =>
  readEntries(await wheelOf(target), (n) => names.some((x) => n === `openvino/libs/${x}`));

test('this machine\'s executables: ELF of the host architecture, with the libraries readelf lists', { skip: process.platform !== 'linux' && 'the host binaries are ELF only on Linux' }, () => {
  for (const file of ['/bin/ls', process.execPath]) {
    const info = readNative(file);
    assert.equal(info.format, 'elf', file);
    assert.equal(info.arch, hostArch[process.arch], file);
    assert.equal(info.bits, 64, file);
    assert.ok(info.needed.includes('libc.so.6'), `${file}: ${info.needed}`);
    const readelf = tool('readelf', ['-d', file]);
    if (readelf) {
      assert.deepEqual(info.needed, readelfNeeded(readelf), file);
    } else {
      console.log('NOTE: readelf not found; DT_NEEDED not cross-checked');
    }
  }
});

test('files that are not binaries are told apart', () => {
  const text = readFileSync(join(repoRoot, 'package.json'));
  assert.equal(sniffFormat(text), undefined);
  assert.equal(sniffFormat(readFileSync(join(repoRoot, 'media', 'icon.png'))), undefined);
  assert.throws(() => parseNative(text), /not an ELF, PE or Mach-O/);
});

test('linux wheels: ELF x86-64 and aarch64, DT_NEEDED and RUNPATH $ORIGIN as readelf reads them', async () => {
  for (const [target, arch] of [['linux-x64', 'x86-64'], ['linux-arm64', 'aarch64']]) {
    const files = await libsOf(target, ['libopenvino_c.so.2641', 'libopenvino.so.2641', 'libtbbbind_2_5.so.3']);
    const c = parseNative(files.get('openvino/libs/libopenvino_c.so.2641')!);
    assert.equal(c.arch, arch);
    assert.ok(c.needed.includes('libopenvino.so.2641'), `${c.needed}`);
    assert.deepEqual(c.rpath, ['$ORIGIN']);
    assert.ok(parseNative(files.get('openvino/libs/libopenvino.so.2641')!).needed.includes('libtbb.so.12'));
    assert.ok(parseNative(files.get('openvino/libs/libtbbbind_2_5.so.3')!).needed.includes('libhwloc.so.15'));
    const readelf = toolOn(files.get('openvino/libs/libopenvino.so.2641')!, 'readelf', ['-d']);
    if (readelf) assert.deepEqual(parseNative(files.get('openvino/libs/libopenvino.so.2641')!).needed, readelfNeeded(readelf));
    else console.log('NOTE: readelf not found; DT_NEEDED not cross-checked');
  }
});

test('windows wheel: PE x64 with the import table objdump reads', async () => {
  const files = await libsOf('win32-x64', ['openvino_c.dll', 'openvino_intel_gpu_plugin.dll', 'openvino_intel_npu_compiler.dll']);
  const c = parseNative(files.get('openvino/libs/openvino_c.dll')!);
  assert.deepEqual([c.format, c.arch, c.bits], ['pe', 'x64', 64]);
  assert.ok(c.needed.includes('openvino.dll') && c.needed.includes('MSVCP140.dll'), `${c.needed}`);
  assert.ok(parseNative(files.get('openvino/libs/openvino_intel_gpu_plugin.dll')!).needed.includes('OpenCL.dll'));
  assert.deepEqual(parseNative(files.get('openvino/libs/openvino_intel_npu_compiler.dll')!).delayNeeded, ['SHELL32.dll', 'ole32.dll']);
  const objdump = toolOn(files.get('openvino/libs/openvino_c.dll')!, 'objdump', ['-p']);
  if (objdump) assert.deepEqual(c.needed, [...objdump.matchAll(/DLL Name: (\S+)/g)].map((m) => m[1]));
  else console.log('NOTE: objdump cannot read PE here; imports not cross-checked');
});

test('macOS wheel: Mach-O arm64 with @rpath loads and an @loader_path rpath', async () => {
  const files = await libsOf('darwin-arm64', ['libopenvino_c.2641.dylib', 'libtbbbind_2_5.3.dylib']);
  const c = parseNative(files.get('openvino/libs/libopenvino_c.2641.dylib')!);
  assert.deepEqual([c.format, c.arch, c.bits], ['macho', 'arm64', 64]);
  assert.equal(c.needed[0], '@rpath/libopenvino.2641.dylib');
  assert.ok(c.needed.includes('/usr/lib/libSystem.B.dylib'));
  assert.deepEqual(c.rpath, ['@loader_path']);
  assert.match(c.id ?? '', /libopenvino_c\.2641\.dylib$/);
  // Why the macOS VSIX leaves tbbbind out: it links hwloc by an absolute path outside the wheel.
  assert.ok(parseNative(files.get('openvino/libs/libtbbbind_2_5.3.dylib')!).needed.includes('/usr/local/lib/libhwloc.15.dylib'));
});

test('the dependency check resolves @rpath and flags what is neither bundled nor the system\'s', () => {
  const mac = new Map([
    ['libopenvino_c.2641.dylib', { needed: ['@rpath/libopenvino.2641.dylib', '/usr/lib/libSystem.B.dylib'], rpath: ['@loader_path'] }],
    ['libopenvino.2641.dylib', { needed: ['@rpath/libtbb.12.dylib', '/usr/lib/libc++.1.dylib'], rpath: ['@loader_path'] }],
  ]);
  const r = checkNeeds(mac, 'darwin');
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0], /libopenvino\.2641\.dylib needs @rpath\/libtbb\.12\.dylib/);
  const win = new Map([['openvino_c.dll', { needed: ['OPENVINO.dll', 'KERNEL32.dll', 'MSVCP140.dll', 'foo.dll'], rpath: [] }], ['openvino.dll', { needed: [], rpath: [] }]]);
  const w = checkNeeds(win, 'win32');
  assert.deepEqual(w.problems, ['openvino_c.dll needs foo.dll, which is neither bundled nor a win32 system library']);
  assert.match(w.system['MSVCP140.dll'], /Visual C\+\+/);
});

test('every file of openvino/libs gets a decision, and unknown ones fail the build', () => {
  assert.equal(classifyLib('libopenvino_c.so.2641', 'linux').keep, 'C API');
  assert.equal(classifyLib('openvino_intel_cpu_plugin.dll', 'win32').keep, 'device plugin');
  assert.match(classifyLib('openvino_pytorch_frontend.dll', 'win32').reason!, /never loads/);
  assert.match(classifyLib('openvino_intel_npu_compiler.dll', 'win32').reason!, /compiler in the NPU driver/);
  assert.equal(classifyLib('libhwloc.so.15', 'linux').keep, 'TBB / hwloc');
  assert.ok(classifyLib('libhwloc.dylib', 'darwin').reason);
  assert.throws(() => classifyLib('libopenvino_new_thing.so', 'linux'), /no rule/);
});
