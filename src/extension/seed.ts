// Picking the seed a job actually uses: the user's, or a random one in the UI's 0 … 2^32−1.

import { randomInt } from 'node:crypto';

export const MAX_UI_SEED = 4294967295;

/** '' → a fresh random seed; otherwise the given decimal seed unchanged. */
export function seedToUse(seed: string, random: () => number = () => randomInt(0, MAX_UI_SEED + 1)): string {
  return seed === '' ? String(random()) : seed;
}

/** A seed read back from an image: decimal, 0 … 2^64−1 (what the pipeline accepts), or undefined. */
export function seedFromMetadata(seed: string | undefined): string | undefined {
  if (!seed || !/^\d{1,20}$/.test(seed)) return undefined;
  const v = BigInt(seed);
  return v <= 2n ** 64n - 1n ? v.toString() : undefined;
}
