// How much memory a loaded model may hold (pixart.memory, `pixart mcp --memory`): one rule for the
// extension and the CLI's long-lived server.

export const MEMORY_MODES = ['auto', 'low', 'fast'] as const;
export type MemoryMode = (typeof MEMORY_MODES)[number];

/**
 * `auto` saves memory below this much RAM: a 1024² image peaks at 8.3 GB with every model kept
 * (T5 int8 4.7 GB, the transformer 1.2 GB, the VAE's working memory 2.25 GB), 6.2 GB with T5 and
 * the VAE released — beside VS Code and a browser, a 16 GB machine needs the latter.
 */
export const LOW_MEMORY_BELOW = 20 * 2 ** 30;

/** Whether to release T5 and the VAE after each use (the pipeline's releaseTextEncoder), on a machine with `ram` bytes. */
export function releasesModels(mode: MemoryMode, ram: number): boolean {
  return mode === 'low' || (mode === 'auto' && ram < LOW_MEMORY_BELOW);
}
