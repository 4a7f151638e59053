// The generation the integration tests ask for unless they say otherwise: the tiny model's size, 2 steps.
import type { GenerationConfig } from '../../../src/protocol/generation';

export const params = (over: Partial<GenerationConfig> = {}): GenerationConfig => ({
  prompt: 'a small cactus in a terracotta pot',
  negativePrompt: '',
  seed: '42',
  steps: 2,
  guidanceScale: 0,
  width: 128,
  height: 128,
  imagesPerPrompt: 1,
  ...over,
});
