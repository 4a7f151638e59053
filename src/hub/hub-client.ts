// The hub's API through its own JS client (@huggingface/hub): a revision's commit (modelInfo) and
// the commit's file listing with LFS sha256 and sizes (listFiles). Every request, the client's and
// our downloads', goes through one fetch that adds the token on the hub's own origin only (never
// on a CDN it redirects to), carries the download's AbortSignal, and keeps the hub's error headers
// (X-Error-Code), which the client's HubApiError drops, so failures get a precise message.
import { HubApiError, listFiles, modelInfo } from '@huggingface/hub';
import { COMMIT_HASH } from './cache-layout';
import { DownloadCancelledError, HubError, failureError, isNetworkError, unreachableError, type ErrorContext, type HubFailure } from './hub-errors';
import type { HubSettings } from './hub-settings';
import { proxiedFetch } from './proxy';
import type { RepoFile } from './types';

export class HubClient {
  private readonly failures = new Map<string, HubFailure>();
  private readonly origin: string;
  private readonly send: typeof fetch;

  constructor(private readonly settings: HubSettings, readonly ctx: ErrorContext, private readonly signal?: AbortSignal) {
    this.origin = new URL(settings.endpoint).origin;
    this.send = settings.proxy ? proxiedFetch(settings.proxy) : fetch;
  }

  readonly fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const headers = new Headers(init.headers);
    if (this.settings.token && url.origin === this.origin && !headers.has('authorization')) headers.set('authorization', `Bearer ${this.settings.token}`);
    const res = await this.send(url, { ...init, headers, signal: init.signal ?? this.signal });
    if (!res.ok && res.status >= 400) this.failures.set(res.url || url.href, failureOf(res));
    return res;
  };

  /** The commit a branch, tag or commit hash names. */
  async commitOf(revision: string): Promise<string> {
    let sha: unknown;
    try {
      sha = (await modelInfo({ name: this.ctx.repo, revision, hubUrl: this.settings.endpoint, fetch: this.fetch, additionalFields: ['sha'] })).sha;
    } catch (err) {
      throw this.explain(err);
    }
    if (typeof sha !== 'string' || !COMMIT_HASH.test(sha)) throw new HubError('http', `${this.settings.endpoint} gave no commit for ${this.ctx.repo} at "${revision}"`);
    return sha;
  }

  /** Every file of the repo at `commit`, with sizes, git ids and LFS sha256. */
  async listing(commit: string): Promise<RepoFile[]> {
    const files: RepoFile[] = [];
    try {
      for await (const e of listFiles({ repo: { type: 'model', name: this.ctx.repo }, revision: commit, recursive: true, hubUrl: this.settings.endpoint, fetch: this.fetch })) {
        if (e.type !== 'file') continue;
        files.push({ path: e.path, size: e.size, ...(e.oid ? { oid: e.oid } : {}), ...(e.lfs ? { lfs: { oid: e.lfs.oid, size: e.lfs.size } } : {}) });
      }
    } catch (err) {
      throw this.explain(err);
    }
    return files;
  }

  /** A failure in words: cancelled, the hub's answer (gated, not found…), or no answer. */
  explain(err: unknown, what?: string): Error {
    if (this.signal?.aborted) return new DownloadCancelledError();
    if (err instanceof HubApiError) return failureError(this.ctx, this.failures.get(err.url) ?? { status: err.statusCode, message: err.message }, what);
    if (isNetworkError(err)) return unreachableError(this.ctx, err);
    return err instanceof Error ? err : new Error(String(err));
  }
}

export function failureOf(res: Response): HubFailure {
  const code = res.headers.get('x-error-code') ?? undefined;
  const message = res.headers.get('x-error-message') ?? undefined;
  return { status: res.status, ...(code ? { code } : {}), ...(message ? { message } : {}) };
}
