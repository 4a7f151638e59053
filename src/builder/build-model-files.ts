// The files one component builder writes into its folder (`openvino_model.xml|bin`, `config.json`).
// They are built under temporary names and given their real names only when the model is whole,
// the weights first and the XML last (a loader looks for the XML), so a cancelled or failed build
// leaves nothing, and nothing that was there is replaced.
import { existsSync, linkSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { makeFolder, writeFileAtomic } from '../image/atomic-write';
import { IrGraph } from './ir-graph';

export const IR_XML = 'openvino_model.xml';
export const IR_BIN = 'openvino_model.bin';
export const CONFIG_JSON = 'config.json';

/** What a component builder returns. */
export interface ComponentBuild {
  /** Bytes of the `.bin`. */
  weightBytes: number;
  /** Checkpoint tensors written into it. */
  tensors: number;
}

/** link's refusals that mean "no hard links on this file system" (as atomic-write.ts). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS']);

/** Gives `from` the name `to`, never replacing an existing `to`. */
function moveNew(from: string, to: string): void {
  try {
    linkSync(from, to);
    rmSync(from, { force: true });
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') throw new Error(`${to} appeared while the model was being built; it was left as it was. Build into an empty folder.`);
    if (!NO_HARD_LINKS.has(code)) throw err;
  }
  if (existsSync(to)) throw new Error(`${to} appeared while the model was being built; it was left as it was. Build into an empty folder.`);
  renameSync(from, to);
}

export class ComponentOutput {
  readonly tempXml: string;
  readonly tempBin: string;

  private constructor(readonly dir: string) {
    const tag = randomBytes(6).toString('hex');
    this.tempXml = join(dir, `.${IR_XML}.${tag}.tmp`);
    this.tempBin = join(dir, `.${IR_BIN}.${tag}.tmp`);
  }

  /** Makes `dir` if needed; refuses one that already holds a component's files. */
  static async create(dir: string): Promise<ComponentOutput> {
    for (const name of [IR_XML, IR_BIN, CONFIG_JSON]) {
      if (existsSync(join(dir, name))) throw new Error(`${join(dir, name)} exists; the builder never replaces a model. Build into an empty folder.`);
    }
    await makeFolder(dir);
    return new ComponentOutput(dir);
  }

  /** Gives the finished files their names (`.bin`, config, `.xml` last); on failure removes what it named. */
  publish(configText: string): void {
    const named: string[] = [];
    try {
      moveNew(this.tempBin, join(this.dir, IR_BIN));
      named.push(join(this.dir, IR_BIN));
      writeFileAtomic(join(this.dir, CONFIG_JSON), new TextEncoder().encode(configText));
      named.push(join(this.dir, CONFIG_JSON));
      moveNew(this.tempXml, join(this.dir, IR_XML));
    } catch (err) {
      for (const file of named) rmSync(file, { force: true });
      this.discard();
      throw err;
    }
  }

  /** Removes the temporary files (a cancelled or failed build). */
  discard(): void {
    rmSync(this.tempXml, { force: true });
    rmSync(this.tempBin, { force: true });
  }
}

/**
 * Builds one component's IR into `outDir` under temporary names: `body` adds the graph's nodes and
 * returns how many checkpoint tensors it wrote. The files get their names when it returns; a
 * failure or a cancel removes them.
 */
export async function buildComponent(outDir: string, modelName: string, configText: string, body: (g: IrGraph) => Promise<number>): Promise<ComponentBuild> {
  const out = await ComponentOutput.create(outDir);
  const g = new IrGraph(modelName, out.tempBin);
  let binOpen = true;
  try {
    const tensors = await body(g);
    const weightBytes = g.weightBytes;
    binOpen = false; // finish closes the .bin whether or not the XML is written
    g.finish(out.tempXml);
    out.publish(configText);
    return { weightBytes, tensors };
  } catch (err) {
    if (binOpen) g.abandon();
    out.discard();
    throw err;
  }
}

/** Between two steps of a build: reports progress, lets a cancel arrive, and throws when it has. */
export function buildStep(signal: AbortSignal | undefined, onProgress: ((done: number, total: number) => void) | undefined) {
  return async (done: number, total: number): Promise<void> => {
    onProgress?.(done, total);
    await new Promise<void>((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
  };
}
