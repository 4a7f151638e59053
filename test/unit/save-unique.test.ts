// Saving generated images where things go wrong (issue 16): file systems without hard links,
// processes killed mid-write, full and read-only disks (what could not be written is kept, for
// Save As), long non-ASCII names, an output folder that changed since the job was queued.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { saveImageAs, saveImages, saveUnique } from '../../src/extension/asset-store';
import { fileNameFor } from '../../src/extension/naming';
import { removeStaleTempFiles, type LinkFunction } from '../../src/image/atomic-write';
import { inTempFolder } from '../support/temp-folder';

/** fs.link as it fails on FAT/exFAT drives and some network shares. */
const noHardLinks = (code: string): LinkFunction => async () => {
  throw Object.assign(new Error(`${code}: operation not permitted, link`), { code });
};

test('without hard links, 300 concurrent saves of one name give 300 files and lose none', () => inTempFolder(async (folder) => {
  const paths = await Promise.all(Array.from({ length: 300 }, (_, i) => saveUnique(folder, 'same.png', new Uint8Array([i >> 8, i & 255]), noHardLinks('EPERM'))));
  assert.equal(new Set(paths).size, 300);
  const names = readdirSync(folder);
  assert.equal(names.length, 300, 'no temporary file left');
  const contents = new Set(names.map((n) => readFileSync(path.join(folder, n)).readUInt16BE(0)));
  assert.equal(contents.size, 300, 'every image kept its own bytes');
}));

test('without hard links a dangling symlink is a taken name, not replaced', () => inTempFolder(async (folder) => {
  for (const code of ['EPERM', 'ENOTSUP', 'EXDEV']) {
    const link = path.join(folder, `${code}.png`);
    symlinkSync(path.join(folder, 'nowhere', 'target.png'), link);
    const saved = await saveUnique(folder, `${code}.png`, new Uint8Array([1]), noHardLinks(code));
    assert.equal(path.basename(saved), `${code}-2.png`, code);
    assert.ok(lstatSync(link).isSymbolicLink(), `${code}: the link is still a link`);
    assert.equal(readlinkSync(link), path.join(folder, 'nowhere', 'target.png'));
    assert.equal(existsSync(path.join(folder, 'nowhere')), false, `${code}: nothing written through the link`);
  }
}));

test('where link really fails (strace makes every link EPERM), the default path loses nothing', (t) => inTempFolder(async (folder) => {
  const child = path.join(__dirname, '..', 'support', 'concurrent-saves-child.ts');
  const r = spawnSync('strace', ['-f', '-qq', '-o', '/dev/null', '--seccomp-bpf', '-e', 'trace=link,linkat', '-e', 'inject=link,linkat:error=EPERM', process.execPath, '--import', 'tsx', child, folder], { encoding: 'utf8' });
  if (r.error || (r.status !== 0 && r.stderr.startsWith('strace:'))) {
    t.skip(`strace cannot inject link failures here (${r.error?.message ?? r.stderr.trim().split('\n')[0]}); the injected-link tests above cover the path`);
    return;
  }
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { saved: 300, files: 300, images: 300, ontoLink: 'link-2.png', linkKept: true });
}));

test('with hard links a dangling symlink is a taken name too', () => inTempFolder(async (folder) => {
  symlinkSync(path.join(folder, 'nowhere.png'), path.join(folder, 'x.png'));
  assert.equal(path.basename(await saveUnique(folder, 'x.png', new Uint8Array([1]))), 'x-2.png');
  assert.equal(existsSync(path.join(folder, 'nowhere.png')), false);
}));

/** Starts a child writing `mib` MiB into `folder`, kills it with SIGKILL once its temporary file has bytes in it. */
async function killMidWrite(mode: 'save' | 'cli', folder: string, mib: number): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'support', 'write-child.ts'), mode, folder, String(mib)], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const temp = readdirSync(folder).find((n) => n.endsWith('.tmp'));
    const size = temp ? statSync(path.join(folder, temp), { throwIfNoEntry: false })?.size ?? 0 : 0;
    if (temp && size > 0 && size < mib * 1024 * 1024) {
      child.kill('SIGKILL');
      await exited;
      return temp;
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the child finished (or stalled) before it could be killed mid-write: ${readdirSync(folder).join(', ')}`);
    }
    await new Promise((r) => setImmediate(r));
  }
}

for (const mode of ['save', 'cli'] as const) {
  test(`a ${mode === 'save' ? 'save' : 'CLI write'} killed mid-write leaves no final file, and a later save clears its temporary file`, () => inTempFolder(async (folder) => {
    const temp = await killMidWrite(mode, folder, 256);
    assert.deepEqual(readdirSync(folder), [temp], 'only the hidden temporary file, never a partial big.png');
    const fresh = path.join(folder, '.pixart-0123456789ab.tmp');
    writeFileSync(fresh, 'another save still writing');
    const hourAgo = new Date(Date.now() - 61 * 60 * 1000);
    utimesSync(path.join(folder, temp), hourAgo, hourAgo);
    await saveUnique(folder, 'next.png', new Uint8Array([1]));
    assert.deepEqual(readdirSync(folder).sort(), ['.pixart-0123456789ab.tmp', 'next.png'], 'the stale one went, the fresh one stays');
  }));
}

test('stale temporary files: only ours, only old, only files', () => inTempFolder(async (folder) => {
  const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
  const names = ['.pixart-00112233aabb.tmp', '.o.png.00112233aabb.tmp', '.notes.tmp', 'photo.png', '.pixart-xyz.tmp'];
  for (const n of names) {
    writeFileSync(path.join(folder, n), 'x');
    utimesSync(path.join(folder, n), old, old);
  }
  mkdirSync(path.join(folder, '.pixart-aaaaaaaaaaaa.tmp'));
  assert.equal(await removeStaleTempFiles(folder), 2);
  assert.deepEqual(readdirSync(folder).sort(), ['.notes.tmp', '.pixart-aaaaaaaaaaaa.tmp', '.pixart-xyz.tmp', 'photo.png']);
  assert.equal(await removeStaleTempFiles(path.join(folder, 'missing')), 0);
}));

test('a long non-ASCII file-name template saves (UTF-8 bytes, not characters, are limited)', () => inTempFolder(async (folder) => {
  const name = fileNameFor('日本'.repeat(100), { date: new Date(2026, 0, 1), seed: '1', prompt: 'p' }, 'jpeg');
  const saved = await saveUnique(folder, name, new Uint8Array([1]));
  assert.equal(path.basename(saved), name);
  for (let i = 0; i < 3; i++) await saveUnique(folder, name, new Uint8Array([1]));
  assert.equal(readdirSync(folder).length, 4);
}));

/** Mounts a tmpfs of `size` on a fresh folder for `body` (root only); false when mounting is not permitted. */
async function onTmpfs(options: string, body: (mountPoint: string) => Promise<void>): Promise<boolean> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pixart-tmpfs-'));
  try {
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]).status !== 0) return false;
    try {
      await body(dir);
    } finally {
      spawnSync('umount', [dir]);
    }
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const NO_MOUNT = 'mount -t tmpfs is not permitted here (needs root): full and read-only disks are not tested';

test('a full disk: no partial file, and the message names the folder and the fix', async (t) => {
  const ran = await onTmpfs('size=64k', async (disk) => {
    await assert.rejects(saveUnique(disk, 'big.png', new Uint8Array(200 * 1024)), (err: Error) => {
      assert.match(err.message, new RegExp(`big\\.png was not saved: the disk holding ${disk} is full \\(ENOSPC\\)\\. Free some space, or set pixart\\.outputFolder`));
      return true;
    });
    assert.deepEqual(readdirSync(disk), [], 'no temporary or partial file');
    // Without hard links the final file is written in place: a failure there removes it too.
    await assert.rejects(saveUnique(disk, 'half.png', new Uint8Array(40 * 1024), noHardLinks('EPERM')), /half\.png was not saved: the disk holding .* is full/);
    assert.deepEqual(readdirSync(disk), [], 'no partial half.png');
  });
  if (!ran) t.skip(NO_MOUNT);
});

test('a read-only folder: nothing written, and the message names the folder and the fix', async (t) => {
  const ran = await onTmpfs('ro,size=64k', async (disk) => {
    await assert.rejects(saveUnique(disk, 'x.png', new Uint8Array([1])), new RegExp(`x\\.png was not saved: ${disk} is on a read-only file system \\(EROFS\\)\\. Set pixart\\.outputFolder to a folder you can write to\\.`));
    const sub = path.join(disk, 'assets', 'generated');
    await assert.rejects(saveUnique(sub, 'x.png', new Uint8Array([1])), new RegExp(`${sub} is on a read-only file system`));
    assert.deepEqual(readdirSync(disk), []);
  });
  if (!ran) t.skip(NO_MOUNT);
});

test('a full disk keeps the images it could not write, with their bytes, and they can be saved elsewhere', async (t) => {
  const small = new Uint8Array(8 * 1024).fill(7);
  const big = Uint8Array.from({ length: 200 * 1024 }, (_, i) => i % 251);
  const ran = await onTmpfs('size=64k', async (disk) => inTempFolder(async (elsewhere) => {
    const r = await saveImages(disk, [{ name: 'a.png', bytes: small }, { name: 'b.png', bytes: big }]);
    assert.deepEqual(r.files.map((f) => path.basename(f)), ['a.png']);
    assert.match(r.failure?.error.message ?? '', /b\.png was not saved: the disk holding .* is full \(ENOSPC\)/);
    assert.deepEqual(r.failure?.unsaved.map((u) => u.name), ['b.png']);
    assert.deepEqual(readdirSync(disk), ['a.png'], 'no partial b.png');
    const target = path.join(elsewhere, 'picked.png');
    saveImageAs(target, r.failure!.unsaved[0].bytes);
    assert.ok(readFileSync(target).equals(Buffer.from(big)), 'the bytes saved elsewhere are the image');
    assert.deepEqual(readdirSync(elsewhere), ['picked.png'], 'no temporary file left');
  }));
  if (!ran) t.skip(NO_MOUNT);
});

test('a read-only folder keeps every image of the job', async (t) => {
  const ran = await onTmpfs('ro,size=64k', async (disk) => {
    const images = [{ name: 'a.png', bytes: new Uint8Array([1]) }, { name: 'b.png', bytes: new Uint8Array([2]) }];
    const r = await saveImages(disk, images);
    assert.deepEqual(r.files, []);
    assert.deepEqual(r.failure?.unsaved, images);
    assert.match(r.failure!.error.message, /read-only file system \(EROFS\)/);
  });
  if (!ran) t.skip(NO_MOUNT);
});

test('Save As replaces the file the user picked atomically; a failure names the file and keeps the old one', async (t) => {
  await inTempFolder(async (folder) => {
    const target = path.join(folder, 'x.png');
    writeFileSync(target, 'old');
    saveImageAs(target, new Uint8Array([1, 2, 3]));
    assert.deepEqual([...readFileSync(target)], [1, 2, 3]);
    assert.deepEqual(readdirSync(folder), ['x.png']);
  });
  const ran = await onTmpfs('size=64k', async (disk) => {
    const target = path.join(disk, 'x.png');
    writeFileSync(target, 'old');
    assert.throws(() => saveImageAs(target, new Uint8Array(200 * 1024)), new RegExp(`${target.replace(/[.]/g, '\\.')} was not written: the disk holding .* is full`));
    assert.equal(readFileSync(target, 'utf8'), 'old');
    assert.deepEqual(readdirSync(disk), ['x.png']);
  });
  if (!ran) t.skip(NO_MOUNT);
});

test('an output folder swapped for a symbolic link after the job was queued is not written into', () => inTempFolder(async (root) => {
  const workspace = path.join(root, 'workspace');
  const outside = path.join(root, 'outside');
  mkdirSync(path.join(workspace, 'assets'), { recursive: true });
  mkdirSync(outside);
  const folder = path.join(workspace, 'assets', 'generated');
  const real = folder; // what the user agreed to (no links yet: the folder does not exist)
  // Meanwhile `assets` is replaced by a link out of the workspace.
  rmSync(path.join(workspace, 'assets'), { recursive: true });
  symlinkSync(outside, path.join(workspace, 'assets'));
  const r = await saveImages(folder, [{ name: 'x.png', bytes: new Uint8Array([1]) }], real);
  assert.deepEqual(r.files, []);
  assert.match(r.failure!.error.message, new RegExp(`x\\.png was not saved: the output folder ${folder} now leads to ${path.join(outside, 'generated')}, not to ${real}`));
  assert.deepEqual(r.failure!.unsaved.map((u) => u.name), ['x.png'], 'the image is kept for Save As');
  assert.deepEqual(readdirSync(outside), [], 'nothing was written outside the workspace');
  // Unchanged, it saves.
  rmSync(path.join(workspace, 'assets'));
  mkdirSync(path.join(workspace, 'assets'));
  assert.deepEqual((await saveImages(folder, [{ name: 'x.png', bytes: new Uint8Array([1]) }], real)).files, [path.join(folder, 'x.png')]);
}));
