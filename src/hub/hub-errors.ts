// The errors a download ends with, each a message a user can act on: what went wrong, with the
// repo, revision, file or folder it concerns, and the fix (HF_TOKEN and the license page for a
// gated repo, HF_ENDPOINT and HF_HUB_OFFLINE for an unreachable hub, …).

export type HubErrorKind =
  | 'bad-input'
  | 'gated'
  | 'token-refused'
  | 'not-found'
  | 'revision-not-found'
  | 'file-not-found'
  | 'unreachable'
  | 'http'
  | 'not-a-pipeline'
  | 'offline-incomplete'
  | 'disk-space'
  | 'integrity'
  | 'write-failed';

export class HubError extends Error {
  constructor(readonly kind: HubErrorKind, message: string, readonly missing: string[] = []) {
    super(message);
    this.name = 'HubError';
  }
}

/** A download stopped by its AbortSignal; what was fetched stays in `.incomplete` files for the next start. */
export class DownloadCancelledError extends Error {
  constructor() {
    super('the download was cancelled; starting it again resumes where it stopped');
    this.name = 'AbortError';
  }
}

export interface ErrorContext {
  repo: string;
  revision: string;
  endpoint: string;
  token?: string;
  tokenSource?: string;
  tokenFile: string;
  /** " through the proxy URL" when one is used, for messages. */
  via?: string;
}

/** What a failed response said: its status and the hub's X-Error-Code / X-Error-Message headers. */
export interface HubFailure {
  status: number;
  code?: string;
  message?: string;
}

function gated(ctx: ErrorContext): HubError {
  const page = `${ctx.endpoint}/${ctx.repo}`;
  const how = ctx.token
    ? `the token from ${ctx.tokenSource} has no access yet: open ${page} with that account and accept the conditions (or ask for access), then try again`
    : `open ${page}, log in and accept the conditions, then set HF_TOKEN to an access token of that account (or save it in ${ctx.tokenFile})`;
  return new HubError('gated', `${ctx.repo} is a gated repo: ${how}`);
}

function notFound(ctx: ErrorContext): HubError {
  const priv = ctx.token
    ? `if it is private, the token from ${ctx.tokenSource} cannot read it`
    : 'if it is private, set HF_TOKEN to an access token that can read it';
  return new HubError('not-found', `the repo "${ctx.repo}" was not found on ${ctx.endpoint}: check the id (owner/name, e.g. PixArt-alpha/PixArt-LCM-XL-2-1024-MS); ${priv}`);
}

const refused = (ctx: ErrorContext) =>
  new HubError('token-refused', `${ctx.endpoint} refused the token from ${ctx.tokenSource} (invalid or expired): make a new one at ${ctx.endpoint}/settings/tokens and set HF_TOKEN to it`);

/** The error for a failed hub response; `what` names the request's object (a file) when it is not the repo. */
export function failureError(ctx: ErrorContext, f: HubFailure, what?: string): HubError {
  if (f.code === 'GatedRepo') return gated(ctx);
  if (f.code === 'RepoNotFound') return notFound(ctx);
  if (f.code === 'RevisionNotFound') return new HubError('revision-not-found', `${ctx.repo} has no revision "${ctx.revision}" (a branch, tag or commit hash): check it, or leave it out for main`);
  if (f.code === 'EntryNotFound') return new HubError('file-not-found', `${ctx.repo} lists ${what ?? 'a file'} but the hub has no such file (404): try again, or report it to the repo's owner`);
  if (f.status === 401) return ctx.token ? refused(ctx) : notFound(ctx);
  if (f.status === 403) return gated(ctx);
  if (f.status === 404) return what ? new HubError('file-not-found', `${what} of ${ctx.repo} was not found on ${ctx.endpoint} (404)`) : notFound(ctx);
  const hint = f.status === 429 ? 'too many requests: wait a few minutes and try again' : f.status >= 500 ? 'the hub had an error: try again later' : 'try again later';
  return new HubError('http', `${ctx.endpoint} answered ${f.status}${f.message ? ` (${f.message})` : ''} for ${what ?? ctx.repo}: ${hint}`);
}

/** The hub could not be reached at all (no answer, not an error answer). */
export function unreachableError(ctx: ErrorContext, cause: unknown, cacheNote = ''): HubError {
  const why = causeCode(cause);
  return new HubError(
    'unreachable',
    `cannot reach the Hugging Face hub at ${ctx.endpoint}${ctx.via ?? ''}${why ? ` (${why})` : ''}: check the network${ctx.via ? ' and the proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)' : ''}, or set HF_ENDPOINT to a mirror; ` +
      `to use a copy already in the cache without the network, set HF_HUB_OFFLINE=1${cacheNote}`,
  );
}

/** The error's code (ECONNREFUSED, ENOTFOUND, UND_ERR_SOCKET…), from fetch's `cause` chain. */
function errorCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && /^(E[A-Z_]+|UND_ERR\w*)$/.test(e.code)) return e.code;
  }
  return undefined;
}

/** Codes of a connection that failed or broke (not of a local file system error such as ENOSPC). */
const NETWORK_CODE = /^(ECONNRESET|ECONNREFUSED|ECONNABORTED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENETDOWN|EPROTO|UND_ERR\w*)$/;

/** The network error's code, else its message, for a message. */
export function causeCode(err: unknown): string | undefined {
  const msg = (err as Error | undefined)?.message;
  return errorCode(err) ?? (msg && msg !== 'fetch failed' ? msg : undefined);
}

/** fetch's own failures (no response, or a body cut short), as opposed to an HTTP error or a bug. */
export function isNetworkError(err: unknown): boolean {
  if (!(err instanceof Error) || err.name === 'AbortError') return false;
  if (err instanceof TypeError && /^(fetch failed|terminated)$/.test(err.message)) return true;
  return NETWORK_CODE.test(errorCode(err) ?? '');
}

/** The repo's files are not a PixArt diffusers checkpoint (missing pieces, or an index naming shards that are not there). */
export function notPipelineError(ctx: ErrorContext, commit: string, why: string, missing: string[]): HubError {
  return new HubError('not-a-pipeline', `${ctx.repo} at "${ctx.revision}" (${commit.slice(0, 8)}) is not a PixArt diffusers checkpoint that can be read here: ${why}`, missing);
}

/** A repo that holds only transformer/, asked for as a whole pipeline: its other parts come from another repo, the base. */
export function transformerOnlyError(ctx: ErrorContext, commit: string): HubError {
  return new HubError(
    'not-a-pipeline',
    `${ctx.repo} at "${ctx.revision}" (${commit.slice(0, 8)}) holds only a transformer (transformer/, no model_index.json): the text encoder, VAE, tokenizer and scheduler it runs with come from another repo. ` +
      'Name that repo with --base REPO_OR_DIR (for PixArt-Σ: PixArt-alpha/pixart_sigma_sdxlvae_T5_diffusers).',
    ['model_index.json'],
  );
}
