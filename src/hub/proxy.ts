// Downloads through the proxy the environment names — HTTPS_PROXY, HTTP_PROXY and NO_PROXY, in
// either case, as curl, pip and Python's huggingface_hub read them — which Node's fetch ignores.
// undici, the library under Node's fetch, reads them in its EnvHttpProxyAgent; its own fetch is
// used with it, so client and agent are one version.
import { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';

type Env = Record<string, string | undefined>;

export interface ProxySettings {
  /** For http:// URLs. */
  http?: string;
  /** For https:// URLs (curl's rule: HTTPS_PROXY, not HTTP_PROXY). */
  https?: string;
  /** Hosts reached directly: comma-separated, as NO_PROXY. */
  noProxy?: string;
}

const nonEmpty = (v: string | undefined) => (v && v.trim() ? v.trim() : undefined);

function checked(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol)) throw new Error(`${name} "${value}" is not a proxy URL: set it to one such as http://proxy.example.com:8080, or unset it`);
  return value;
}

/** The proxies the environment sets, or null for none. */
export function proxySettings(env: Env): ProxySettings | null {
  const pick = (name: string) => {
    const upper = nonEmpty(env[name]);
    return upper !== undefined ? checked(name, upper) : checked(name.toLowerCase(), nonEmpty(env[name.toLowerCase()]));
  };
  const http = pick('HTTP_PROXY');
  const https = pick('HTTPS_PROXY');
  if (!http && !https) return null;
  const noProxy = nonEmpty(env.NO_PROXY) ?? nonEmpty(env.no_proxy);
  return { ...(http ? { http } : {}), ...(https ? { https } : {}), ...(noProxy ? { noProxy } : {}) };
}

/** A fetch that goes through these proxies. */
export function proxiedFetch(p: ProxySettings): typeof fetch {
  const dispatcher = new EnvHttpProxyAgent({ httpProxy: p.http, httpsProxy: p.https, noProxy: p.noProxy ?? '' });
  return ((input: string | URL | Request, init?: RequestInit) => undiciFetch(input as never, { ...(init as object), dispatcher })) as unknown as typeof fetch;
}

/** "through the proxy URL" for messages (without its credentials), or ''. */
export function proxyNote(p: ProxySettings | null, url: string): string {
  const proxy = p && (new URL(url).protocol === 'https:' ? p.https : p.http);
  if (!proxy) return '';
  const u = new URL(proxy);
  u.username = '';
  u.password = '';
  return ` through the proxy ${u.origin}`;
}
