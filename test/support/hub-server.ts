// A local Hugging Face hub on 127.0.0.1 for the download tests: the endpoints @huggingface/hub
// and huggingface_hub call, answered as huggingface.co answers them —
//   GET /api/models/{repo}/revision/{rev}          model info with `sha`
//   GET /api/models/{repo}/tree/{rev}[/{path}]     listing (recursive, expand, Link pagination), `lfs: {oid, size}`
//   GET|HEAD /{repo}/resolve/{rev}/{path}          small files directly (ETag = git blob id, X-Repo-Commit),
//                                                  LFS files by a 302 to a CDN on another origin (X-Linked-Etag,
//                                                  X-Linked-Size), which serves Range/206 and refuses an Authorization header
//   GET /api/whoami-v2
// with X-Error-Code on failures (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo), gated
// and private repos, and faults to inject: a connection cut mid-file, corrupted bytes, a transfer
// held mid-file. It counts the bytes it serves per file, to prove what was (not) downloaded.
// `sigmaSplitRepos` holds the tiny PixArt-Σ checkpoint as the hub holds Σ 512 and 2K: transformer/
// alone in one repo, everything else in another.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { hostFile, type HostedFile, type RepoFileSource, type RepoSpec } from './hub-repo';
import { sendFile, type Faults } from './hub-serve-file';
import { fixturesDir } from './paths';

/** The tiny PixArt-Σ checkpoint (diffusers' layout, model_index.json of PixArtSigmaPipeline). */
export const sigmaTinyDir = join(fixturesDir, 'sigma', 'pixart-sigma-tiny-diffusers');

/** The checkpoint's files, relative with `/`, sorted. */
export function sigmaTinyFiles(): string[] {
  return (readdirSync(sigmaTinyDir, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((p) => statSync(join(sigmaTinyDir, p)).isFile())
    .map((p) => p.split('\\').join('/'))
    .sort();
}

/**
 * The tiny Σ checkpoint split into two repos, as PixArt-Sigma-XL-2-512-MS and its base hold theirs:
 * `transformerId` has only transformer/ (and a README, which a download leaves alone), `baseId`
 * everything else. `baseClass` replaces the base's model_index.json `_class_name` (the real base
 * predates PixArtSigmaPipeline).
 */
export function sigmaSplitRepos(transformerId: string, baseId: string, { baseClass }: { baseClass?: string } = {}): [RepoSpec, RepoSpec] {
  const file = (path: string): RepoFileSource => {
    const bytes = readFileSync(join(sigmaTinyDir, ...path.split('/')));
    if (path !== 'model_index.json' || !baseClass) return { path, bytes };
    return { path, bytes: Buffer.from(JSON.stringify({ ...JSON.parse(bytes.toString('utf8')), _class_name: baseClass }, null, 2)) };
  };
  const readme = { path: 'README.md', bytes: Buffer.from('---\nlicense: openrail++\n---\n') };
  const files = sigmaTinyFiles();
  return [
    { id: transformerId, files: [...files.filter((p) => p.startsWith('transformer/')).map(file), readme] },
    { id: baseId, files: [...files.filter((p) => !p.startsWith('transformer/')).map(file), readme] },
  ];
}

export interface LoggedRequest {
  method: string;
  url: string;
  range?: string;
  auth: boolean;
  status: number;
}

interface HostedRepo extends RepoSpec {
  commit: string;
  hosted: Map<string, HostedFile>;
}

/** An answer: JSON, or a file's bytes (counted under `countKey`, `repo/path`). */
type Reply = { status: number; headers?: Record<string, string>; json?: unknown; file?: HostedFile; countKey?: string };

const error = (status: number, code: string | undefined, message: string): Reply => ({
  status,
  headers: { ...(code ? { 'x-error-code': code } : {}), 'x-error-message': message },
  json: { error: message },
});

export class HubServer {
  readonly requests: LoggedRequest[] = [];
  readonly faults: Faults = { cut: new Map(), noRange: new Map(), drop: new Map(), corrupt: new Map(), hold: new Map() };
  /** Valid tokens; others are refused with 401. */
  readonly tokens = new Set(['hf_valid_test_token', 'hf_accepted_test_token']);
  pageSize = 1000;
  private readonly served = new Map<string, number>();
  private readonly repos = new Map<string, HostedRepo>();
  private readonly secret = randomBytes(8).toString('hex');
  private cdnOrigin = '';

  private constructor(private readonly hub: Server, private readonly cdn: Server, readonly endpoint: string) {}

  static async start(repos: RepoSpec[] = []): Promise<HubServer> {
    const listen = async (s: Server) => {
      await new Promise<void>((done) => s.listen(0, '127.0.0.1', done));
      return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    };
    let self: HubServer | undefined;
    const hub = createServer((req, res) => void self?.handle(req, res, false));
    const cdn = createServer((req, res) => void self?.handle(req, res, true));
    self = new HubServer(hub, cdn, await listen(hub));
    self.cdnOrigin = await listen(cdn);
    for (const r of repos) await self.addRepo(r);
    return self;
  }

  async addRepo(spec: RepoSpec): Promise<void> {
    const hosted = new Map<string, HostedFile>();
    for (const f of spec.files) hosted.set(f.path, await hostFile(f));
    const commit = spec.commit ?? createHash('sha1').update(`${spec.id}\n${[...hosted.values()].map((f) => f.oid).join('\n')}`).digest('hex');
    this.repos.set(spec.id, { ...spec, commit, hosted, revisions: { main: commit, ...spec.revisions } });
  }

  commitOf(repo: string): string {
    return (this.repos.get(repo) as HostedRepo).commit;
  }

  hostedFile(repo: string, path: string): HostedFile {
    return (this.repos.get(repo) as HostedRepo).hosted.get(path) as HostedFile;
  }

  /** Body bytes served for one file of a repo (every response, ranges included). */
  bytesServed(repo: string, path: string): number {
    return this.served.get(`${repo}/${path}`) ?? 0;
  }

  /** Body bytes served per file of a repo. */
  servedFiles(repo: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const [k, n] of this.served) if (k.startsWith(`${repo}/`)) out.set(k.slice(repo.length + 1), n);
    return out;
  }

  /** The next transfer of this file that reaches byte `at` stops the connection there. */
  cutOnce(repo: string, path: string, at: number): void {
    this.faults.cut.set(`${repo}/${path}`, at);
  }

  /** The next `times` Range requests for this file are answered with the whole file. */
  ignoreRange(repo: string, path: string, times = 1): void {
    this.faults.noRange.set(`${repo}/${path}`, times);
  }

  /** The next `times` requests for this file's bytes get the connection closed without an answer. */
  drop(repo: string, path: string, times: number): void {
    this.faults.drop.set(`${repo}/${path}`, times);
  }

  /** The next `times` transfers of this file carry one flipped byte. */
  corrupt(repo: string, path: string, times = 1): void {
    this.faults.corrupt.set(`${repo}/${path}`, times);
  }

  /**
   * The next transfer of this file stops after `at` bytes (`reached`) until `release()`, or until
   * `cut()` closes the connection there — unlike cutOnce, at a moment the test chooses (e.g. once
   * the client has stored some of those bytes).
   */
  holdOnce(repo: string, path: string, at: number): { reached: Promise<void>; release: () => void; cut: () => void } {
    let reached!: () => void;
    let settle!: (cut: boolean) => void;
    const r = new Promise<void>((done) => (reached = done));
    const released = new Promise<boolean>((done) => (settle = done));
    this.faults.hold.set(`${repo}/${path}`, { at, reached, released });
    return { reached: r, release: () => settle(false), cut: () => settle(true) };
  }

  /** Forgets the counts and the request log, and drops the faults not yet used. */
  resetCounts(): void {
    for (const m of Object.values(this.faults)) m.clear();
    this.served.clear();
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    for (const s of [this.hub, this.cdn]) {
      s.closeAllConnections();
      await new Promise<void>((done) => s.close(() => done()));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse, cdn: boolean): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const reply = cdn ? this.cdnRoute(req, url) : this.route(req, url);
    this.requests.push({ method: req.method ?? 'GET', url: `${cdn ? 'cdn:' : ''}${url.pathname}${url.search}`, ...(req.headers.range ? { range: req.headers.range } : {}), auth: !!req.headers.authorization, status: reply.status });
    if (reply.file && reply.countKey) {
      const key = reply.countKey;
      await sendFile(req, res, reply.file, reply.headers ?? {}, key, this.faults, (n) => this.served.set(key, (this.served.get(key) ?? 0) + n));
      return;
    }
    const body = reply.json === undefined ? '' : JSON.stringify(reply.json);
    res.writeHead(reply.status, { ...(body ? { 'content-type': 'application/json' } : {}), ...reply.headers });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private token(req: IncomingMessage): { token?: string; invalid: boolean } {
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    return { token, invalid: token !== undefined && !this.tokens.has(token) };
  }

  /** The repo if this request may see it (private: an accepted token), else the hub's refusal. */
  private access(req: IncomingMessage, id: string, download: boolean): HostedRepo | Reply {
    const { token, invalid } = this.token(req);
    if (invalid) return error(401, undefined, 'Invalid credentials in Authorization header');
    const repo = this.repos.get(id);
    const allowed = !!token && (repo?.accepted ?? []).includes(token);
    if (!repo || (repo.private && !allowed)) return error(token ? 404 : 401, 'RepoNotFound', 'Repository not found');
    if (repo.gated && download && !allowed) {
      return token
        ? error(403, 'GatedRepo', `Access to model ${id} is restricted and you are not in the authorized list. Visit ${this.endpoint}/${id} to ask for access.`)
        : error(401, 'GatedRepo', `Access to model ${id} is restricted. You must have access to it and be authenticated to access it. Please log in.`);
    }
    return repo;
  }

  private commitFor(repo: HostedRepo, rev: string): string | undefined {
    return rev === repo.commit ? rev : repo.revisions?.[rev];
  }

  private route(req: IncomingMessage, url: URL): Reply {
    const p = url.pathname;
    let m: RegExpExecArray | null;
    if (p === '/api/whoami-v2') {
      const { token, invalid } = this.token(req);
      return !token || invalid ? error(401, undefined, 'Invalid credentials in Authorization header') : { status: 200, json: { type: 'user', name: 'tester', auth: { type: 'access_token' } } };
    }
    if ((m = /^\/api\/models\/(.+?)\/revision\/([^/]+)$/.exec(p))) return this.info(req, m[1], decodeURIComponent(m[2]));
    if ((m = /^\/api\/models\/(.+?)\/tree\/([^/]+)(?:\/(.*))?$/.exec(p))) return this.tree(req, url, m[1], decodeURIComponent(m[2]), m[3] ? decodeURIComponent(m[3]) : '');
    if ((m = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(p))) return this.resolve(req, m[1], decodeURIComponent(m[2]), m[3].split('/').map(decodeURIComponent).join('/'));
    return error(404, undefined, 'Not found');
  }

  private info(req: IncomingMessage, id: string, rev: string): Reply {
    const repo = this.access(req, id, false);
    if ('status' in repo) return repo;
    const sha = this.commitFor(repo, rev === 'HEAD' ? 'main' : rev);
    if (!sha) return error(404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
    const siblings = [...repo.hosted.keys()].map((rfilename) => ({ rfilename }));
    return { status: 200, json: { _id: id, id, sha, private: !!repo.private, gated: repo.gated ? 'auto' : false, downloads: 0, likes: 0, lastModified: '2026-01-01T00:00:00.000Z', pipeline_tag: 'text-to-image', siblings } };
  }

  private tree(req: IncomingMessage, url: URL, id: string, rev: string, folder: string): Reply {
    const repo = this.access(req, id, false);
    if ('status' in repo) return repo;
    const sha = this.commitFor(repo, rev);
    if (!sha) return error(404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
    const recursive = ['true', '1'].includes(url.searchParams.get('recursive') ?? '');
    const expand = ['true', '1'].includes(url.searchParams.get('expand') ?? '');
    const entries = treeEntries([...repo.hosted.values()], folder, recursive, expand ? sha : undefined);
    const cursor = Number(url.searchParams.get('cursor') ?? 0);
    const page = entries.slice(cursor, cursor + this.pageSize);
    const next = new URL(`${this.endpoint}${url.pathname}${url.search}`);
    next.searchParams.set('cursor', String(cursor + this.pageSize));
    const headers: Record<string, string> = cursor + this.pageSize < entries.length ? { link: `<${next.href}>; rel="next"` } : {};
    return { status: 200, headers, json: page };
  }

  private resolve(req: IncomingMessage, id: string, rev: string, path: string): Reply {
    const repo = this.access(req, id, true);
    if ('status' in repo) return repo;
    const sha = this.commitFor(repo, rev);
    if (!sha) return error(404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
    const f = repo.hosted.get(path);
    if (!f) return error(404, 'EntryNotFound', `Entry not found: ${path}`);
    const common = { 'x-repo-commit': sha, etag: `"${f.oid}"`, 'accept-ranges': 'bytes' };
    if (!f.lfs) return { status: 200, headers: common, file: f, countKey: `${id}/${path}` };
    const sig = createHash('sha256').update(`${this.secret}${f.sha256}${id}/${path}`).digest('hex').slice(0, 16);
    const location = `${this.cdnOrigin}/repos/${f.sha256}?key=${encodeURIComponent(`${id}/${path}`)}&X-Amz-Signature=${sig}`;
    return { status: 302, headers: { ...common, location, 'x-linked-etag': `"${f.sha256}"`, 'x-linked-size': String(f.size), 'content-length': '0' } };
  }

  /** The CDN: a signed URL, and like S3 it refuses a second auth mechanism (an Authorization header). */
  private cdnRoute(req: IncomingMessage, url: URL): Reply {
    const m = /^\/repos\/([0-9a-f]{64})$/.exec(url.pathname);
    const key = url.searchParams.get('key') ?? '';
    const sig = createHash('sha256').update(`${this.secret}${m?.[1]}${key}`).digest('hex').slice(0, 16);
    if (!m || url.searchParams.get('X-Amz-Signature') !== sig) return { status: 403, json: { error: 'SignatureDoesNotMatch' } };
    if (req.headers.authorization) return { status: 400, json: { error: 'InvalidArgument: Only one auth mechanism allowed' } };
    const repoId = [...this.repos.keys()].find((r) => key.startsWith(`${r}/`)) ?? '';
    const f = this.repos.get(repoId)?.hosted.get(key.slice(repoId.length + 1));
    if (!f || f.sha256 !== m[1]) return { status: 404, json: { error: 'NoSuchKey' } };
    return { status: 200, headers: { etag: `"${f.sha256}"`, 'accept-ranges': 'bytes' }, file: f, countKey: key };
  }
}

/** The tree API's entries under `folder`: its files and folders, or everything below it. */
function treeEntries(files: HostedFile[], folder: string, recursive: boolean, expandCommit?: string): unknown[] {
  const prefix = folder ? `${folder.replace(/\/+$/, '')}/` : '';
  const dirs = new Set<string>();
  const out: unknown[] = [];
  for (const f of files.filter((g) => g.path.startsWith(prefix)).sort((a, b) => a.path.localeCompare(b.path))) {
    const rest = f.path.slice(prefix.length).split('/');
    for (let i = 1; i < rest.length && (recursive || i === 1); i++) dirs.add(prefix + rest.slice(0, i).join('/'));
    if (!recursive && rest.length > 1) continue;
    const last = expandCommit ? { lastCommit: { id: expandCommit, title: 'Upload', date: '2026-01-01T00:00:00.000Z' }, securityFileStatus: { status: 'safe' } } : {};
    out.push({ type: 'file', oid: f.oid, size: f.size, path: f.path, ...(f.lfs ? { lfs: f.lfs } : {}), ...last });
  }
  const dirEntries = [...dirs].sort().map((path) => ({ type: 'directory', oid: createHash('sha1').update(path).digest('hex'), size: 0, path }));
  return [...dirEntries, ...out];
}
