// Checks and hand-made caches for the download tests: a snapshot compared with the fixture
// folder byte for byte, and a cache written the way Python's huggingface_hub writes it (its
// documented layout, with ids computed here from the bytes).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { tinyDiffusersDir, tinyPipelineFiles } from './hub-repo';

/** Every file under `dir`, relative with `/`. */
export function filesIn(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((p) => statSync(join(dir, p), { throwIfNoEntry: false })?.isFile())
    .map((p) => p.split('\\').join('/'))
    .sort();
}

/** The snapshot holds exactly the fixture's files, with its bytes, each a relative symlink into blobs/. */
export function assertSnapshotIsFixture(snapshotDir: string, { symlinks = true } = {}): void {
  assert.deepEqual(filesIn(snapshotDir), [...tinyPipelineFiles()].sort());
  for (const p of tinyPipelineFiles()) {
    assert.ok(readFileSync(join(snapshotDir, p)).equals(readFileSync(join(tinyDiffusersDir, p))), `${p} differs from the fixture`);
    if (!symlinks) continue;
    assert.ok(lstatSync(join(snapshotDir, p)).isSymbolicLink(), `${p} is a symlink`);
    const target = readlinkSync(join(snapshotDir, p));
    assert.match(target, /^(\.\.\/)+blobs\/[0-9a-f]{40}([0-9a-f]{24})?$/, `${p} → ${target}`);
  }
}

const isLfs = (path: string) => /\.(safetensors|model)$/.test(path);

/** The blob name huggingface_hub gives a file: sha256 of an LFS file, else the git blob id. */
export function pythonBlobName(path: string, bytes: Buffer): string {
  return isLfs(path) ? createHash('sha256').update(bytes).digest('hex') : createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/**
 * Writes the fixture into `cacheDir` as huggingface_hub lays out a download of `repo` at `commit`
 * (`refs/main`, blobs named by hash, relative symlinks); `copies` writes the snapshot's files as
 * copies and no blobs, as it does where symlinks are not available.
 */
export function writePythonCache(cacheDir: string, repo: string, commit: string, { copies = false } = {}): string {
  const folder = join(cacheDir, `models--${repo.replace('/', '--')}`);
  mkdirSync(join(folder, 'refs'), { recursive: true });
  writeFileSync(join(folder, 'refs', 'main'), commit);
  for (const p of tinyPipelineFiles()) {
    const bytes = readFileSync(join(tinyDiffusersDir, p));
    const entry = join(folder, 'snapshots', commit, ...p.split('/'));
    mkdirSync(dirname(entry), { recursive: true });
    if (copies) {
      copyFileSync(join(tinyDiffusersDir, p), entry);
      continue;
    }
    const blob = join(folder, 'blobs', pythonBlobName(p, bytes));
    mkdirSync(dirname(blob), { recursive: true });
    writeFileSync(blob, bytes);
    symlinkSync(relative(dirname(entry), blob), entry);
  }
  return folder;
}
