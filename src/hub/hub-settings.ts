// Where the hub is, who we are on it and where its cache lives, read from the options and the
// environment the way Python's huggingface_hub reads them, so both share one cache and one login.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { proxySettings, type ProxySettings } from './proxy';
import type { DownloadOptions } from './types';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export interface HubSettings {
  /** Without a trailing slash. */
  endpoint: string;
  token?: string;
  /** What set the token, for messages: `HF_TOKEN`, the token file's path, or `the token option`. */
  tokenSource?: string;
  /** Where `hf auth login` saves a token, for messages. */
  tokenFile: string;
  cacheDir: string;
  offline: boolean;
  /** HTTPS_PROXY / HTTP_PROXY / NO_PROXY; null without a proxy. */
  proxy: ProxySettings | null;
}

type Env = Record<string, string | undefined>;

/** huggingface_hub's reading of a boolean variable. */
export function envFlag(value: string | undefined): boolean {
  return ['1', 'on', 'yes', 'true'].includes((value ?? '').trim().toLowerCase());
}

const nonEmpty = (v: string | undefined) => (v && v.trim() ? v.trim() : undefined);

function readToken(file: string): string | undefined {
  try {
    return nonEmpty(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function endpointOf(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol)) {
    throw new Error(`HF_ENDPOINT "${value}" is not an http(s) URL: set it to the hub or a mirror, e.g. ${DEFAULT_ENDPOINT}`);
  }
  return value.replace(/\/+$/, '');
}

/** The options, else the environment (HF_ENDPOINT, HF_TOKEN, HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE, the proxies), else the defaults. */
export function hubSettings(o: Pick<DownloadOptions, 'endpoint' | 'token' | 'cacheDir' | 'offline'>, env: Env = process.env): HubSettings {
  const hfHome = nonEmpty(env.HF_HOME) ?? join(nonEmpty(env.XDG_CACHE_HOME) ?? join(homedir(), '.cache'), 'huggingface');
  const tokenFile = nonEmpty(env.HF_TOKEN_PATH) ?? join(hfHome, 'token');
  const sources: [string | undefined, string][] = [
    [nonEmpty(o.token), 'the token option'],
    [nonEmpty(env.HF_TOKEN), 'HF_TOKEN'],
    [nonEmpty(env.HUGGING_FACE_HUB_TOKEN), 'HUGGING_FACE_HUB_TOKEN'],
  ];
  const [token, tokenSource] = sources.find(([t]) => t) ?? [readToken(tokenFile), tokenFile];
  return {
    endpoint: endpointOf(nonEmpty(o.endpoint) ?? nonEmpty(env.HF_ENDPOINT) ?? DEFAULT_ENDPOINT),
    ...(token ? { token, tokenSource } : {}),
    tokenFile,
    cacheDir: nonEmpty(o.cacheDir) ?? nonEmpty(env.HF_HUB_CACHE) ?? nonEmpty(env.HUGGINGFACE_HUB_CACHE) ?? join(hfHome, 'hub'),
    offline: o.offline === true || envFlag(env.HF_HUB_OFFLINE),
    proxy: proxySettings(env),
  };
}
