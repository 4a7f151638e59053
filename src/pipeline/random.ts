// torch's CPU random generator and `torch.randn` (float32), reproduced so that a seed gives
// the same initial latents (and LCM step noise) as diffusers' `randn_tensor(shape,
// generator=torch.Generator().manual_seed(seed))`.
//
// Sources (pytorch/pytorch):
//   aten/src/ATen/core/MT19937RNGEngine.h         mt19937, seeded from the low 32 bits of the seed
//   aten/src/ATen/CPUGeneratorImpl.cpp            random() = one mt19937 draw; random64() = (r1 << 32) | r2;
//                                                 the cached second Box-Muller value (reset only by manual_seed)
//   aten/src/ATen/core/TransformationHelper.h     uniform_real: (bits & (2^digits - 1)) * 2^-digits
//   aten/src/ATen/core/DistributionsHelper.h      normal_distribution<double>: Box-Muller with a cached sin value
//   aten/src/ATen/native/cpu/DistributionTemplates.h  normal_kernel / normal_fill_AVX2 (normal-fill.ts)
//   aten/src/ATen/native/cpu/DistributionKernels.cpp  normal_stub has no AVX512 kernel
//                                                 (REGISTER_NO_AVX512_DISPATCH), so AVX2 and AVX512 CPUs both
//                                                 run normal_fill_AVX2
//
// This is the x86 Linux wheel (GCC, AVX2 or AVX512 CPU), which the fixtures match bit for bit.
// Builds that do not contract mul+add into FMA (MSVC, clang) or lack AVX2 (ARM: libm logf/cosf/sinf
// in normal_fill) give last-bit differences in the vectorised path.
import { normalFill16 } from './normal-fill';

const MT_N = 624;
const MT_M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

const TWO_POW_64 = 1n << 64n;
const TWO_POW_M24 = 2 ** -24;
const TWO_POW_M53 = 2 ** -53;

function checkedSeed(seed: bigint | number): bigint {
  if (typeof seed === 'number') {
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 64) {
      throw new RangeError(`seed must be an integer in 0 .. 2^64-1, got ${seed}`);
    }
    return BigInt(seed);
  }
  if (typeof seed === 'bigint') {
    if (seed < 0n || seed >= TWO_POW_64) {
      throw new RangeError(`seed must be an integer in 0 .. 2^64-1, got ${seed}`);
    }
    return seed;
  }
  throw new RangeError(`seed must be a number or bigint, got ${typeof seed}`);
}

function checkedNumel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`invalid dimension ${d} in shape [${shape.join(', ')}]`);
    n *= d;
  }
  if (!Number.isSafeInteger(n)) throw new RangeError(`shape [${shape.join(', ')}] is too large`);
  return n;
}

/** A CPU `torch.Generator` after `manual_seed(seed)`, able to draw `torch.randn` float32 tensors. */
export class TorchGenerator {
  private readonly state = new Uint32Array(MT_N);
  private left = 1;
  private next = 0;
  /** CPUGeneratorImpl::next_double_normal_sample_: Box-Muller's second value, kept across randn calls. */
  private cachedNormal: number | undefined = undefined;

  constructor(seed: bigint | number) {
    // MT19937RNGEngine.h init_with_uint32: only the low 32 bits of the 64-bit seed are used.
    const low = Number(checkedSeed(seed) & 0xffffffffn);
    const st = this.state;
    st[0] = low;
    for (let j = 1; j < MT_N; j++) {
      const prev = st[j - 1];
      st[j] = Math.imul(1812433253, prev ^ (prev >>> 30)) + j;
    }
    this.left = 1;
    this.next = 0;
  }

  /** MT19937RNGEngine.h next_state: regenerate all 624 words. */
  private twist(): void {
    const st = this.state;
    let k = 0;
    for (; k < MT_N - MT_M; k++) {
      const y = (st[k] & UPPER_MASK) | (st[k + 1] & LOWER_MASK);
      st[k] = st[k + MT_M] ^ (y >>> 1) ^ (st[k + 1] & 1 ? MATRIX_A : 0);
    }
    for (; k < MT_N - 1; k++) {
      const y = (st[k] & UPPER_MASK) | (st[k + 1] & LOWER_MASK);
      st[k] = st[k + MT_M - MT_N] ^ (y >>> 1) ^ (st[k + 1] & 1 ? MATRIX_A : 0);
    }
    const y = (st[MT_N - 1] & UPPER_MASK) | (st[0] & LOWER_MASK);
    st[MT_N - 1] = st[MT_M - 1] ^ (y >>> 1) ^ (st[0] & 1 ? MATRIX_A : 0);
    this.left = MT_N;
    this.next = 0;
  }

  /** CPUGeneratorImpl::random(): one tempered 32-bit mt19937 output (as an unsigned number). */
  private random(): number {
    if (--this.left === 0) this.twist();
    let y = this.state[this.next++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** uniform_real_distribution<float>(0, 1): 24 low bits of random() times 2^-24 (exact in float32). */
  private uniformFloat(): number {
    return (this.random() & 0xffffff) * TWO_POW_M24;
  }

  /** uniform_real_distribution<double>(0, 1): 53 low bits of random64() = (r1 << 32) | r2, times 2^-53. */
  private uniformDouble(): number {
    const hi = this.random();
    const lo = this.random();
    return ((hi & 0x1fffff) * 4294967296 + lo) * TWO_POW_M53;
  }

  /**
   * normal_distribution<double>(0, 1): Box-Muller, returning r*cos and caching r*sin for the next
   * call (of this or a later randn; the vectorised path neither reads nor clears the cache).
   * V8's log1p/sin/cos may differ from glibc's in the last double bit; after the cast to float
   * that matters about once in 2^29 draws.
   */
  private normalDouble(): number {
    if (this.cachedNormal !== undefined) {
      const v = this.cachedNormal;
      this.cachedNormal = undefined;
      return v;
    }
    const u1 = this.uniformDouble();
    const u2 = this.uniformDouble();
    const r = Math.sqrt(-2 * Math.log1p(-u2));
    const theta = 2 * Math.PI * u1;
    this.cachedNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** `torch.randn(shape, generator=this)`: float32, CPU, contiguous. */
  randn(shape: readonly number[]): Float32Array {
    const size = checkedNumel(shape);
    const out = new Float32Array(size);
    if (size < 16) {
      // normal_kernel's serial path: one normal_distribution<double> draw per element, cast to float.
      for (let i = 0; i < size; i++) out[i] = this.normalDouble();
      return out;
    }
    // normal_fill_AVX2: every uniform first, then Box-Muller over each 16-block in place ...
    for (let i = 0; i < size; i++) out[i] = this.uniformFloat();
    for (let i = 0; i + 16 <= size; i += 16) normalFill16(out, i);
    if (size % 16 !== 0) {
      // ... and, for a ragged end, the last 16 are redrawn from fresh uniforms and recomputed.
      const off = size - 16;
      for (let i = 0; i < 16; i++) out[off + i] = this.uniformFloat();
      normalFill16(out, off);
    }
    return out;
  }
}
