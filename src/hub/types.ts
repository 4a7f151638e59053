// The hub layer's public types: a repo's files as the hub lists them, what a download is asked
// for, what it reports while it runs, and what it gives back.

/** One file of a repo at a commit, as the hub's tree API lists it (or as found in a cached snapshot). */
export interface RepoFile {
  /** Relative path with `/` separators. */
  path: string;
  size: number;
  /** Git blob id (sha1 of `blob <size>\0<bytes>`); for an LFS file, the id of its pointer. */
  oid?: string;
  /** Git LFS: the content's sha256 (hex) and size. */
  lfs?: { oid: string; size: number };
}

/** A weights variant diffusers can load (`variant="fp16"`): files named `*.fp16.safetensors`. */
export type Variant = 'fp16';

/**
 * What a download fetches: a whole pipeline; only its transformer/ (a repo holding nothing else);
 * or everything but transformer/ (the base such a transformer is combined with).
 */
export type SnapshotPart = 'pipeline' | 'transformer' | 'base';

export interface DownloadProgress {
  /** `resolving`: asking the hub (or the cache) which files; `downloading`; `done`. */
  phase: 'resolving' | 'downloading' | 'done';
  /** The file that last received bytes, or finished. */
  file?: string;
  /** Bytes in place for the selection: already cached, resumed and fetched. */
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
  /** Transfer rate over the last seconds; absent until it can be told. */
  bytesPerSecond?: number;
  /** Seconds left at that rate; absent until it can be told. */
  etaSeconds?: number;
}

export interface DownloadOptions {
  /** `owner/name` on the hub. */
  repo: string;
  /** A branch, tag or commit hash; `main` by default. */
  revision?: string;
  /** The hub cache; by default HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub. */
  cacheDir?: string;
  /** The hub's URL; by default HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  /** An access token; by default HF_TOKEN, else the token file ($HF_HOME/token). */
  token?: string;
  /** Use the cache only (also HF_HUB_OFFLINE=1). */
  offline?: boolean;
  variant?: Variant;
  /** The part of the pipeline the repo gives; `pipeline` (all of it) by default. */
  part?: SnapshotPart;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** The environment to read HF_* from; process.env by default. */
  env?: Record<string, string | undefined>;
  /** Free bytes on the disk holding a folder; fs.statfs by default (a seam for quotas and tests). */
  freeSpace?: (folder: string) => Promise<number>;
  /** Attempts per file after a dropped connection, and the first backoff (doubled each time). */
  retry?: { attempts: number; delayMs: number };
  /** Files fetched at the same time (4 by default). */
  concurrency?: number;
}

export interface Snapshot {
  /** `<cache>/models--owner--name/snapshots/<commit>`: the diffusers folder of the repo. */
  snapshotDir: string;
  commit: string;
  /** The selected files, relative to snapshotDir. */
  files: string[];
  /** True when the hub was not asked (offline, or unreachable with a complete cached copy). */
  fromCache: boolean;
}
