// VS Code's proxy settings (http.proxy, http.noProxy) as the environment the CLI's downloads read
// (src/hub/proxy.ts): VS Code applies them to its own requests only, and a child process sees none.
// A proxy the environment already names wins, as it does for every other tool.

const PROXY_VARS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

/** The variables to add to the CLI's environment (none when there is no setting or the environment has a proxy). */
export function proxyEnv(setting: unknown, noProxy: unknown, env: Record<string, string | undefined>): Record<string, string> {
  const proxy = typeof setting === 'string' ? setting.trim() : '';
  if (!proxy || PROXY_VARS.some((v) => env[v]?.trim())) return {};
  const bypass = Array.isArray(noProxy) ? noProxy.filter((h): h is string => typeof h === 'string' && h.trim() !== '').map((h) => h.trim()) : [];
  return { HTTPS_PROXY: proxy, HTTP_PROXY: proxy, ...(bypass.length && !env.NO_PROXY && !env.no_proxy ? { NO_PROXY: bypass.join(',') } : {}) };
}
