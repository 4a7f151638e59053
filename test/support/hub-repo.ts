// Repos for the local hub (hub-server.ts): files with the ids the hub gives them (git blob id,
// LFS pointer and sha256), and the tiny PixArt checkpoint as the hub would hold it, with the
// duplicates real repos carry (.bin, fp16, ONNX, Flax) that a download must not fetch.
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fixturesDir } from './paths';

export const tinyDiffusersDir = join(fixturesDir, 'pixart-tiny-diffusers');

/** A file as served: its bytes in memory, or a file on disk (for large ones). */
export interface RepoFileSource {
  path: string;
  bytes?: Buffer;
  file?: string;
  /** Stored with Git LFS; by default by extension, as the hub's .gitattributes does, or over 10 MB. */
  lfs?: boolean;
}

export interface RepoSpec {
  id: string;
  files: RepoFileSource[];
  /** Branches and tags → commit; `main` → the repo's commit by default. */
  revisions?: Record<string, string>;
  commit?: string;
  /** Files may be downloaded only with an accepted token (the listing and info stay public). */
  gated?: boolean;
  /** Nothing is visible without an accepted token. */
  private?: boolean;
  /** Tokens with access to a gated or private repo. */
  accepted?: string[];
}

/** A file with the ids the hub's tree API lists. */
export interface HostedFile {
  path: string;
  size: number;
  sha256: string;
  /** The git blob id: of the content, or of the LFS pointer. */
  oid: string;
  lfs?: { oid: string; size: number; pointerSize: number };
  bytes?: Buffer;
  file?: string;
}

const LFS_EXT = /\.(safetensors|bin|model|onnx|onnx_data|msgpack|pt|pth|ckpt|h5|gguf)$/;

export const gitBlobId = (bytes: Buffer) => createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');

async function sha256Of(src: RepoFileSource): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  if (src.bytes) return { sha256: h.update(src.bytes).digest('hex'), size: src.bytes.length };
  let size = 0;
  for await (const chunk of createReadStream(src.file as string, { highWaterMark: 4 << 20 })) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: h.digest('hex'), size };
}

export async function hostFile(src: RepoFileSource): Promise<HostedFile> {
  const { sha256, size } = await sha256Of(src);
  const lfs = src.lfs ?? (LFS_EXT.test(src.path) || size > 10_000_000);
  if (!lfs) {
    const bytes = src.bytes ?? readFileSync(src.file as string);
    return { path: src.path, size, sha256, oid: gitBlobId(bytes), bytes };
  }
  const pointer = Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`);
  return { path: src.path, size, sha256, oid: gitBlobId(pointer), lfs: { oid: sha256, size, pointerSize: pointer.length }, ...(src.bytes ? { bytes: src.bytes } : { file: src.file }) };
}

/** Deterministic filler bytes (a small LCG), so each run serves the same "duplicates". */
export function fillerBytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

function filesUnder(dir: string): RepoFileSource[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((p) => statSync(join(dir, p)).isFile())
    .sort()
    .map((p) => ({ path: relative(dir, join(dir, p)).split(sep).join('/'), bytes: readFileSync(join(dir, p)) }));
}

/** The files a download of the tiny checkpoint must fetch: the fixture folder as it is. */
export const tinyPipelineFiles = (): string[] => filesUnder(tinyDiffusersDir).map((f) => f.path);

/** Files a PixArt download must leave alone: other formats, a variant, docs. */
export const DUPLICATES: RepoFileSource[] = [
  { path: 'text_encoder/pytorch_model.bin', bytes: fillerBytes(5000, 1) },
  { path: 'transformer/diffusion_pytorch_model.bin', bytes: fillerBytes(4000, 2) },
  { path: 'transformer/diffusion_pytorch_model.fp16.safetensors', bytes: fillerBytes(3000, 3) },
  { path: 'vae/diffusion_pytorch_model.fp16.safetensors', bytes: fillerBytes(2500, 4) },
  { path: 'text_encoder/flax_model.msgpack', bytes: fillerBytes(2000, 5) },
  { path: 'onnx/transformer/model.onnx', bytes: fillerBytes(3500, 6) },
  { path: 'README.md', bytes: Buffer.from('# tiny PixArt\n') },
  { path: '.gitattributes', bytes: Buffer.from('*.safetensors filter=lfs diff=lfs merge=lfs -text\n') },
];

/** The tiny PixArt checkpoint (the fixture, sharded like the hub's T5) plus the duplicates, as one repo. */
export function tinyPixArtRepo(id: string, extra: Partial<RepoSpec> = {}): RepoSpec {
  return { id, files: [...filesUnder(tinyDiffusersDir), ...DUPLICATES], ...extra };
}
