// How many tokens T5 and the transformer run on. diffusers always pads prompts to 120 tokens; the
// positions after a prompt's `</s>` are padding that the transformer masks out (their attention
// weight is exactly 0 in float32), and T5's outputs at the prompt's own positions do not depend on
// them. So when a model's IR leaves the token axis dynamic (the converter does), the pipeline runs
// only the tokens the prompts use: the same image, with T5-XXL ~5× faster on a short prompt.
import type { CompiledModel, Tensor } from '../engine/types';

/** Lengths are rounded up to a multiple of this: a few shapes cover all prompts (OpenVINO prepares each new shape at its first call), and the warm-up's shape (the empty prompt) is that of most short prompts. */
export const TOKEN_STEP = 16;

/** The longest row's used tokens (last position whose mask is 1, plus one) in a [rows, length] mask. */
export function tokensUsed(mask: Tensor): number {
  const [rows, length] = mask.shape;
  let used = 0;
  for (let r = 0; r < rows; r++) {
    for (let i = length - 1; i >= used; i--) {
      if (Number(mask.data[r * length + i]) !== 0) {
        used = i + 1;
        break;
      }
    }
  }
  return used;
}

/**
 * The length to run: the model's fixed token axis, or — when the axis is dynamic (-1) — the used
 * tokens rounded up to TOKEN_STEP, never more than `max`.
 */
export function runLength(axis: number, used: number, max: number): number {
  if (axis > 0) return axis;
  return Math.min(max, Math.max(TOKEN_STEP, Math.ceil(used / TOKEN_STEP) * TOKEN_STEP));
}

/** The token axis (axis 1) of a model input: its fixed length, or -1 when dynamic. */
export function tokenAxis(model: CompiledModel, input: string): number {
  return model.inputs.find((p) => p.name === input)?.shape[1] ?? -1;
}

/** `t` ([rows, tokens, ...]) cut or zero-padded to `length` tokens. */
export function fitTokens(t: Tensor, length: number): Tensor {
  const [rows, tokens] = t.shape;
  if (tokens === length) return t;
  const inner = t.shape.slice(2).reduce((a, b) => a * b, 1);
  const data = new (t.data.constructor as new (n: number) => Tensor['data'])(rows * length * inner);
  const keep = Math.min(tokens, length) * inner;
  for (let r = 0; r < rows; r++) {
    (data as Float32Array).set((t.data as Float32Array).subarray(r * tokens * inner, r * tokens * inner + keep), r * length * inner);
  }
  return { type: t.type, shape: [rows, length, ...t.shape.slice(2)], data };
}
