// The files a build writes into its output folder: openvino_model.xml/.bin and config.json, made
// under temporary names and moved into place only when the whole model is written, each without
// overwriting anything. A cancelled or failed build leaves nothing behind; a folder that already
// holds a model is refused before the build starts, not found out after minutes of work.
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

const MODEL_XML = 'openvino_model.xml';
const MODEL_BIN = 'openvino_model.bin';
const CONFIG = 'config.json';
/** The temporary names, `.<name>.<12 hex>.tmp`; a killed build leaves them, the next one removes them. */
const TEMP_NAME = /^\.(openvino_model\.xml|openvino_model\.bin|config\.json)\.[0-9a-f]{12}\.tmp$/;
/** A temporary file this old is no running build's: a real-size build takes minutes. */
const STALE_MS = 60 * 60 * 1000;
/** link's refusals that mean "no hard links on this file system", not "the name is taken". */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS']);

export class OutputFolderError extends Error {
  override name = 'OutputFolderError';
}

export class OutputFiles {
  readonly xml: string;
  readonly bin: string;
  private readonly config: string;
  private readonly created: boolean;
  private readonly placed: string[] = [];

  /** Checks `dir` can take a model (made if missing) and picks the temporary names. */
  constructor(readonly dir: string, private readonly configSource: string) {
    this.created = !existsSync(dir);
    mkdirSync(dir, { recursive: true });
    for (const name of [MODEL_XML, MODEL_BIN]) {
      if (existsSync(join(dir, name))) throw new OutputFolderError(`${join(dir, name)} already exists: remove it, or build into an empty folder (a build never overwrites a model).`);
    }
    if (this.configDiffers()) throw new OutputFolderError(`${join(dir, CONFIG)} already exists and is not the checkpoint's config.json: remove it, or build into an empty folder.`);
    removeStaleTemps(dir);
    const tag = randomBytes(6).toString('hex');
    this.xml = join(dir, `.${MODEL_XML}.${tag}.tmp`);
    this.bin = join(dir, `.${MODEL_BIN}.${tag}.tmp`);
    this.config = join(dir, `.${CONFIG}.${tag}.tmp`);
  }

  /** Moves the written model into place with config.json beside it; the XML, what loaders look for, last. */
  commit(): void {
    try {
      if (!existsSync(join(this.dir, CONFIG))) {
        copyFileSync(this.configSource, this.config);
        this.place(this.config, CONFIG);
      }
      this.place(this.bin, MODEL_BIN);
      this.place(this.xml, MODEL_XML);
    } catch (e) {
      for (const file of this.placed) rmSync(file, { force: true });
      throw e;
    }
  }

  /** Removes whatever the build wrote (and the folder, when the build made it and it is empty). */
  discard(): void {
    for (const file of [this.xml, this.bin, this.config]) rmSync(file, { force: true });
    if (this.created) {
      try {
        rmdirSync(this.dir);
      } catch {
        // not empty: someone else's files are in it now
      }
    }
  }

  private configDiffers(): boolean {
    const target = join(this.dir, CONFIG);
    return existsSync(target) && !readFileSync(target).equals(readFileSync(this.configSource));
  }

  /** temp → name, refusing to replace a file that appeared meanwhile. */
  private place(temp: string, name: string): void {
    const target = join(this.dir, name);
    try {
      linkSync(temp, target);
      rmSync(temp);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (code === 'EEXIST') throw new OutputFolderError(`${target} appeared while the model was being built: it was left as it is, and the build discarded.`);
      if (!NO_HARD_LINKS.has(code) || existsSync(target)) throw e;
      renameSync(temp, target);
    }
    this.placed.push(target);
  }
}

function removeStaleTemps(dir: string): void {
  for (const name of readdirSync(dir).filter((n) => TEMP_NAME.test(n))) {
    const file = join(dir, name);
    if (Date.now() - statSync(file).mtimeMs > STALE_MS) rmSync(file, { force: true });
  }
}
