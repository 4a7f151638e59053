// A repo id and a revision as the hub accepts them, checked before either becomes a URL or a
// folder name in the cache.
import { HubError } from './hub-errors';

const NAME = /^[A-Za-z0-9]([\w.-]{0,94}[A-Za-z0-9])?$/;

/** `owner/name` (or a bare legacy `name`): letters, digits, `-`, `_`, `.`; no `--` or `..`; at most 96 characters a part. */
export function checkRepoId(repo: string): string {
  const id = repo.trim();
  const parts = id.split('/');
  if (parts.length > 2 || !parts.every((p) => NAME.test(p) && !p.includes('--') && !p.includes('..'))) {
    throw new HubError('bad-input', `"${repo}" is not a Hugging Face repo id: use owner/name, e.g. PixArt-alpha/PixArt-LCM-XL-2-1024-MS`);
  }
  return id;
}

/** A branch, tag (`v1.0`, `refs/pr/1`) or commit hash; it names a file under refs/, so no `..`, empty parts or control characters. */
export function checkRevision(revision: string): string {
  const r = revision.trim();
  const parts = r.split('/');
  // eslint-disable-next-line no-control-regex
  if (!r || r.length > 255 || /[\\\x00-\x1f\x7f:*?"<>|]/.test(r) || parts.some((p) => !p || p === '.' || p === '..')) {
    throw new HubError('bad-input', `"${revision}" is not a revision: use a branch, tag or commit hash (main by default)`);
  }
  return r;
}
