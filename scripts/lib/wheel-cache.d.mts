// Types of wheel-cache.mjs for the TypeScript tests.
export function wheelCacheDir(env?: NodeJS.ProcessEnv): string;
export function sha256File(path: string): Promise<string>;
export function ensureWheel(
  spec: { platform: string; wheel: string; sha256: string },
  meta: { version: string; pythonVersion: string },
  options?: { env?: NodeJS.ProcessEnv; log?: (message: string) => void },
): Promise<string>;
