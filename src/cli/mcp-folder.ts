// Where an MCP call may read and write: the server's --out folder or a folder inside it, judged
// on the path as given and again on real paths, so neither `..` nor a symbolic link inside --out
// leads out. Nothing is created before the check; missing folders are then made one level at a
// time (below an existing real folder inside --out, so none of them can be a link).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeFolder } from '../image/atomic-write';
import { isInside } from '../image/naming';

/** A folder argument the server refuses; the message names it and says what is accepted. */
export class FolderError extends Error {
  override name = 'FolderError';
}

const MAX_FOLDER_CHARS = 1024;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Forward slashes, for paths shown to agents and written into documents. */
export function relativeTo(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

/** `folder` (relative to `root`, or absolute inside it) as an absolute path, checked on the path alone. */
export function folderPath(root: string, folder: string | undefined): string {
  if (folder === undefined || folder.trim() === '' || folder.trim() === '.') return root;
  if (folder.length > MAX_FOLDER_CHARS) throw new FolderError(`folder: too long (${folder.length} characters; at most ${MAX_FOLDER_CHARS}).`);
  if (/[\u0000-\u001f\u007f]/.test(folder)) throw new FolderError('folder: contains control characters.');
  const target = path.resolve(root, folder.trim());
  if (!isInside(root, target)) throw new FolderError(`folder: "${folder}" is outside the output folder ${root}; give a folder inside it, such as "images/hero".`);
  return target;
}

/** The deepest existing folder at or above `target` (`target` itself when it exists). */
async function existingAncestor(target: string): Promise<string> {
  for (let dir = target; ; dir = path.dirname(dir)) {
    const st = await fs.stat(dir).catch((err: unknown) => {
      if (errno(err) === 'ENOENT') return undefined;
      throw err;
    });
    if (st) {
      if (!st.isDirectory()) throw new FolderError(`folder: ${dir} is a file, not a folder.`);
      return dir;
    }
    if (path.dirname(dir) === dir) return dir;
  }
}

/** Refuses `target` when its nearest existing folder leaves the real output folder through a link. */
async function checkRealPath(root: string, target: string): Promise<void> {
  const realRoot = await fs.realpath(root).catch(() => path.resolve(root));
  const ancestor = await existingAncestor(target);
  // An ancestor above the root (the root itself is missing) holds nothing of ours yet.
  if (!isInside(root, ancestor)) return;
  const real = await fs.realpath(ancestor);
  if (!isInside(realRoot, real)) throw new FolderError(`folder: ${path.relative(root, target) || '.'} leads outside the output folder ${root} through a symbolic link; choose another folder.`);
}

/** The folder a call names, checked (path and real path) but not created. */
export async function checkedFolder(root: string, folder: string | undefined): Promise<string> {
  const target = folderPath(root, folder);
  await checkRealPath(root, target);
  return target;
}

/** Creates a checked folder if missing, and checks it again (made meanwhile through a link?). */
export async function createFolder(root: string, target: string): Promise<void> {
  await makeFolder(target);
  await checkRealPath(root, target);
}

/** The folder to list; undefined when it does not exist (nothing generated there yet). */
export async function listFolder(root: string, folder: string | undefined): Promise<string | undefined> {
  const target = await checkedFolder(root, folder);
  const st = await fs.stat(target).catch(() => undefined);
  if (!st) return undefined;
  if (!st.isDirectory()) throw new FolderError(`folder: ${target} is a file, not a folder.`);
  return target;
}
