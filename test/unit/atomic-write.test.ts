// The CLI's writes and the folder maker (src/image/atomic-write.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { makeFolder, whyWriteFailed, writeFileAtomic } from '../../src/image/atomic-write';

function tempFolder(): string {
  return mkdtempSync(path.join(tmpdir(), 'pixart-atomic-'));
}

test('writeFileAtomic: a file that appeared meanwhile is kept, with a message that says so', () => {
  const folder = tempFolder();
  try {
    const file = path.join(folder, 'o.png');
    writeFileSync(file, 'theirs');
    assert.throws(() => writeFileAtomic(file, new Uint8Array([1])), new RegExp(`^Error: ${file} was created by something else while this image was being written; it was left as it was$`));
    assert.equal(readFileSync(file, 'utf8'), 'theirs');
    writeFileAtomic(file, new Uint8Array([2]), { overwrite: true });
    assert.deepEqual([...readFileSync(file)], [2]);
    writeFileAtomic(path.join(folder, 'new.png'), new Uint8Array([3]));
    assert.deepEqual(readdirSync(folder).sort(), ['new.png', 'o.png'], 'no temporary file left');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('writeFileAtomic: a missing folder is named', () => {
  const missing = path.join(tmpdir(), 'pixart-no-such-folder', 'o.png');
  assert.throws(() => writeFileAtomic(missing, new Uint8Array([1])), new RegExp(`${missing} was not written: ${path.dirname(missing)} does not exist \\(ENOENT\\)`));
});

test('makeFolder creates parents, accepts an existing folder, and fails fast where mkdir -p spins (/proc)', async () => {
  const folder = tempFolder();
  try {
    const deep = path.join(folder, 'a', 'b', 'c');
    await makeFolder(deep);
    await makeFolder(deep);
    assert.ok(statSync(deep).isDirectory());
    writeFileSync(path.join(folder, 'file'), 'x');
    await assert.rejects(makeFolder(path.join(folder, 'file', 'sub')), { code: 'ENOTDIR' });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  if (!existsSync('/proc/self')) return;
  const t0 = performance.now();
  await assert.rejects(makeFolder('/proc/pixart-cache/x'), { code: 'ENOENT' });
  assert.ok(performance.now() - t0 < 1000, 'no spin');
});

test('whyWriteFailed names the folder for the errors a user can act on', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  assert.equal(whyWriteFailed(err('ENOSPC'), '/data/out'), 'the disk holding /data/out is full (ENOSPC)');
  assert.equal(whyWriteFailed(err('EROFS'), '/data/out'), '/data/out is on a read-only file system (EROFS)');
  assert.equal(whyWriteFailed(err('EACCES'), '/data/out'), 'there is no permission to write in /data/out (EACCES)');
  assert.equal(whyWriteFailed(err('EBUSY'), '/data/out'), undefined);
  assert.equal(whyWriteFailed(new Error('plain'), '/data/out'), undefined);
});
