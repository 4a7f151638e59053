// The exact floating-point recipes of the torch (float32) and numpy (float64) calls diffusers'
// schedulers and image post-processing make, so that a port matches them bit for bit where it can.
//
// float32 arithmetic: JS computes in float64; rounding each +, −, ×, ÷ or √ of float32 operands
// with Math.fround gives the correctly rounded float32 result (float64 has more than 2·24+2 bits),
// which is what torch's CPU kernels produce for one op.

export const f32 = Math.fround;

/** torch.linspace(start, end, steps, dtype=float32) on CPU (RangeFactoriesKernel.cpp: serial,
 *  float32 step, the second half counted back from `end`). Its `start + step * idx` is compiled
 *  to a fused multiply-add: one rounding, which the fixtures confirm bit for bit (the float32
 *  product is exact in float64, and so is the sum for schedule-sized values). */
export function torchLinspaceF32(start: number, end: number, steps: number): Float32Array {
  const out = new Float32Array(steps);
  const s = f32(start);
  const e = f32(end);
  if (steps === 1) {
    out[0] = s;
    return out;
  }
  const step = f32(f32(e - s) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) {
    out[i] = i < halfway ? s + step * i : e - step * (steps - i - 1);
  }
  return out;
}

/** torch.cumprod on a float32 CPU tensor: accumulates in double (acc_type), stores float32. */
export function torchCumprodF32(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  let acc = 1;
  for (let i = 0; i < x.length; i++) {
    acc *= x[i];
    out[i] = acc;
  }
  return out;
}

/** numpy.linspace in float64 (y = i·step + start, last element set to stop when endpoint). */
export function npLinspace(start: number, stop: number, num: number, endpoint = true): number[] {
  const div = endpoint ? num - 1 : num;
  const delta = stop - start;
  const step = div > 0 ? delta / div : NaN;
  const out: number[] = [];
  for (let i = 0; i < num; i++) {
    let y: number;
    if (div <= 0) y = i * delta;
    else if (step === 0) y = (i / div) * delta; // numpy's denormal-step branch
    else y = i * step;
    out.push(y + start);
  }
  if (endpoint && num > 1) out[num - 1] = stop;
  return out;
}

/** numpy.arange(start, stop, step) for floats: length ceil((stop − start)/step); element i is
 *  start + i·δ with δ = (start + step) − start, as numpy's fill loop does. */
export function npArange(start: number, stop: number, step: number): number[] {
  const len = Math.max(0, Math.ceil((stop - start) / step));
  if (len === 0) return [];
  const out = [start];
  if (len === 1) return out;
  const next = start + step;
  out.push(next);
  const delta = next - start;
  for (let i = 2; i < len; i++) out.push(start + i * delta);
  return out;
}

/** numpy's round() / rint: round half to even. */
export function roundHalfEven(x: number): number {
  // Math.round sends ties up, so a tie is exactly r − x = 0.5 (exact: r and x are within 1); it
  // goes to the even neighbour. No fmod: this runs three times a pixel. ±Infinity and NaN pass.
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torch.log / torch.exp on float32 CPU tensors, taken as correctly rounded. torch computes them
 *  with MKL's VML (vsLn / vsExp, "high accuracy", closed source), which agrees except within a
 *  few thousandths of an ulp of a rounding tie: of ~60 such scalars in the fixtures, one
 *  (DPM 20 steps, exp(−h) at step 16) rounds the other way, a 1-ulp difference. Ports of
 *  SLEEF's expf (right at step 16, wrong at step 12) and glibc's (correctly rounded at both)
 *  were tried; neither is what torch ran. */
export function torchLogF32(x: number): number {
  return f32(Math.log(x));
}

export function torchExpF32(x: number): number {
  return f32(Math.exp(x));
}

/** numpy.log on a float32 array, taken as correctly rounded: numpy's own SIMD loops may differ
 *  by an ulp or so; only the Karras / Lu / exponential sigma conversions read these values. */
export function npLogF32(x: number): number {
  return f32(Math.log(x));
}

export function sqrtF32(x: number): number {
  return f32(Math.sqrt(x));
}
