// torch's vectorised normal sampler, one 16-float block at a time: DistributionTemplates.h
// `normal_fill_16_AVX2` and the Cephes float32 polynomials of avx_mathfun.h it calls, with the
// fused multiply-adds GCC puts in them (the last bit of log/sin/cos depends on those).
//
// Sources (pytorch/pytorch):
//   aten/src/ATen/native/cpu/DistributionTemplates.h  normal_kernel / normal_fill_AVX2 / normal_fill_16_AVX2
//   aten/src/ATen/native/cpu/avx_mathfun.h        log256_ps / sincos256_ps (Cephes polynomials in float32)

const fround = Math.fround;

// Scratch views for float32 bit manipulation and the float32 FMA tie check.
const f32 = new Float32Array(1);
const u32OfF32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u32OfF64 = new Uint32Array(f64.buffer); // [low word, high word] on little-endian hosts
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LOW_WORD = LITTLE_ENDIAN ? 0 : 1;

/**
 * float32 fused multiply-add, a*b+c rounded once, for float32 a, b, c.
 *
 * torch's AVX2 kernels are built by GCC with -mfma and its default -ffp-contract=fast, so a
 * `_mm256_mul_ps` whose only use is an add/sub in avx_mathfun.h becomes one vfmadd; the last
 * bit of log/sin/cos depends on it. a*b is exact in double (24+24 bits <= 53), so s = a*b+c
 * has one double rounding; rounding s to float32 is then correct unless s sits exactly on a
 * float32 midpoint (its 29 low mantissa bits are 1000...0) while the exact sum is not there,
 * in which case the error term (TwoSum) decides the direction. Valid for results in the float32
 * normal range, which is all this file needs.
 */
function fmaf(a: number, b: number, c: number): number {
  const s = a * b + c;
  f64[0] = s;
  if ((u32OfF64[LOW_WORD] & 0x1fffffff) !== 0x10000000) return fround(s);
  return fmafTie(a * b, c, s);
}

/** s = p + c rounded to double landed on a float32 midpoint: let the TwoSum error pick the side. */
function fmafTie(p: number, c: number, s: number): number {
  const bb = s - p;
  const err = (p - (s - bb)) + (c - bb);
  if (err === 0) return fround(s); // exact tie: round half to even, as fround does
  // Move s one double ulp towards the exact value, off the midpoint; the low word cannot
  // carry or borrow from 0x10000000 +- 1.
  f64[0] = s;
  u32OfF64[LOW_WORD] += (err > 0) === (s > 0) ? 1 : -1;
  return fround(f64[0]);
}

// ---- avx_mathfun.h constants, as float32 (the _PS256_CONST tables hold floats) ----
const SQRTHF = fround(0.707106781186547524);
const LOG_P0 = fround(7.0376836292e-2);
const LOG_P1 = fround(-1.1514610310e-1);
const LOG_P2 = fround(1.1676998740e-1);
const LOG_P3 = fround(-1.2420140846e-1);
const LOG_P4 = fround(1.4249322787e-1);
const LOG_P5 = fround(-1.6668057665e-1);
const LOG_P6 = fround(2.0000714765e-1);
const LOG_P7 = fround(-2.4999993993e-1);
const LOG_P8 = fround(3.3333331174e-1);
const LOG_Q1 = fround(-2.12194440e-4);
const LOG_Q2 = fround(0.693359375);

const MINUS_DP1 = fround(-0.78515625);
const MINUS_DP2 = fround(-2.4187564849853515625e-4);
const MINUS_DP3 = fround(-3.77489497744594108e-8);
const SINCOF_P0 = fround(-1.9515295891e-4);
const SINCOF_P1 = fround(8.3321608736e-3);
const SINCOF_P2 = fround(-1.6666654611e-1);
const COSCOF_P0 = fround(2.443315711809948e-5);
const COSCOF_P1 = fround(-1.388731625493765e-3);
const COSCOF_P2 = fround(4.166664568298827e-2);
const FOPI = fround(1.27323954473516); // 4 / pi

/** normal_fill_AVX2: `_mm256_set1_ps(2.0f * c10::pi<double>)`, i.e. 2*pi in double cast to float. */
const TWO_PI_F32 = fround(2 * Math.PI);

/**
 * avx_mathfun.h `log256_ps` for one lane, x a positive normal float32 (here 1 - u, u in [0,1)).
 * Float32 throughout; GCC contracts each Horner step and `y*z + e*q1` into FMAs.
 */
function log256(xIn: number): number {
  f32[0] = xIn;
  const bits = u32OfF32[0];
  // Exponent as a float, plus one; mantissa rescaled into [0.5, 1).
  let e = ((bits >>> 23) - 0x7f) + 1;
  u32OfF32[0] = (bits & ~0x7f800000) | 0x3f000000;
  let x = f32[0];
  // if (x < SQRTHF) { e -= 1; x = x + x - 1 } else { x = x - 1 }  (all exact in float32)
  if (x < SQRTHF) {
    e -= 1;
    x = fround(fround(x - 1) + x);
  } else {
    x = fround(x - 1);
  }
  const z = fround(x * x);
  let y = fmaf(LOG_P0, x, LOG_P1);
  y = fmaf(y, x, LOG_P2);
  y = fmaf(y, x, LOG_P3);
  y = fmaf(y, x, LOG_P4);
  y = fmaf(y, x, LOG_P5);
  y = fmaf(y, x, LOG_P6);
  y = fmaf(y, x, LOG_P7);
  y = fmaf(y, x, LOG_P8);
  y = fround(y * x);
  // y = y*z; tmp = e*q1; y = y + tmp: GCC fuses the earlier multiply (y*z) into the add; the
  // fixtures confirm it (fusing e*q1 instead, or nothing, breaks hundreds of elements).
  y = fmaf(y, z, fround(e * LOG_Q1));
  // y - z*0.5 and + e*q2 are fused too, but those products are exact, so plain ops agree.
  y = fround(y - fround(z * 0.5));
  return fround(fround(x + y) + fround(e * LOG_Q2));
}

// sincos256 writes both results here to avoid allocating per call.
let sinOut = 0;
let cosOut = 0;

/**
 * avx_mathfun.h `sincos256_ps` for one lane, x >= 0 (here theta = 2*pi*u < 2*pi).
 * Cephes: reduce by multiples of pi/4 in three FMA'd steps, then pick the sin or cos
 * polynomial by octant and fix the signs.
 */
function sincos256(xIn: number): void {
  let x = Math.abs(xIn);
  const signSin = xIn < 0;
  // j = (int(x * 4/pi) + 1) & ~1
  const j = ((fround(x * FOPI) | 0) + 1) & ~1;
  const y = j; // exact: small integer
  const swapSin = (j & 4) !== 0;
  const polyMask = (j & 2) === 0;
  const negCos = (~(j - 2) & 4) !== 0;
  // x = ((x - y*DP1) - y*DP2) - y*DP3, each product fused into its add.
  x = fmaf(y, MINUS_DP1, x);
  x = fmaf(y, MINUS_DP2, x);
  x = fmaf(y, MINUS_DP3, x);
  const z = fround(x * x);
  // Cosine polynomial: ((p0 z + p1) z + p2) z z - z/2 + 1; the second y*z is fused with "- z/2".
  let yc = fmaf(COSCOF_P0, z, COSCOF_P1);
  yc = fmaf(yc, z, COSCOF_P2);
  yc = fround(yc * z);
  yc = fmaf(yc, z, -fround(z * 0.5));
  yc = fround(yc + 1);
  // Sine polynomial: ((p0 z + p1) z + p2) z x + x.
  let ys = fmaf(SINCOF_P0, z, SINCOF_P1);
  ys = fmaf(ys, z, SINCOF_P2);
  ys = fround(ys * z);
  ys = fmaf(ys, x, x);
  const s = polyMask ? ys : yc;
  const c = polyMask ? yc : ys;
  sinOut = signSin !== swapSin ? -s : s;
  cosOut = negCos ? -c : c;
}

/**
 * DistributionTemplates.h `normal_fill_16_AVX2` with mean 0, std 1: data[off..off+16) hold
 * uniforms in [0,1); lanes j and j+8 become radius*cos and radius*sin of the pair.
 */
export function normalFill16(data: Float32Array, off: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = fround(1 - data[off + j]); // [0,1) -> (0,1] for the log
    const u2 = data[off + j + 8];
    const radius = fround(Math.sqrt(fround(-2 * log256(u1))));
    sincos256(fround(TWO_PI_F32 * u2));
    // _mm256_fmadd_ps(n, std=1, mean=0): n + 0, which also turns -0 into +0 as the FMA does.
    data[off + j] = fround(radius * cosOut) + 0;
    data[off + j + 8] = fround(radius * sinOut) + 0;
  }
}
