// From VAE output to 8-bit RGB, as diffusers does it: optional resize-and-crop back to the requested
// size (VaeImageProcessor.resize_and_crop_tensor: torch bilinear, align_corners=False), then
// postprocess: clamp(x/2 + 0.5, 0, 1), ×255, round half to even (numpy), uint8. Float32 throughout,
// mirroring torch's float kernels so that rounding lands where diffusers' does.
import { roundHalfEven } from './numerics';

// Math.fround itself, not an imported alias: unbundled (tsx), every call to an imported binding goes
// through a getter, which makes these per-pixel loops several times slower.
const f = Math.fround;

export interface PlanarImage {
  /** [channels, height, width] float32 */
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

/** torch's area_pixel_compute_source_index + linear weights for one axis (align_corners=False). */
function axisWeights(inSize: number, outSize: number) {
  const scale = f(inSize / outSize);
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w0 = new Float32Array(outSize);
  const w1 = new Float32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const src = Math.max(f(f(scale * f(o + 0.5)) - 0.5), 0);
    const lo = Math.floor(src);
    const lambda = f(src - lo);
    i0[o] = lo;
    i1[o] = lo + (lo < inSize - 1 ? 1 : 0);
    w1[o] = lambda;
    w0[o] = f(1 - lambda);
  }
  return { i0, i1, w0, w1 };
}

/** F.interpolate(x, size=(outH, outW), mode="bilinear", align_corners=False) on one planar image. */
export function resizeBilinear(img: PlanarImage, outH: number, outW: number): PlanarImage {
  const { channels, height, width, data } = img;
  const ys = axisWeights(height, outH);
  const xs = axisWeights(width, outW);
  const out = new Float32Array(channels * outH * outW);
  for (let c = 0; c < channels; c++) {
    const plane = c * height * width;
    for (let y = 0; y < outH; y++) {
      const r0 = plane + ys.i0[y] * width;
      const r1 = plane + ys.i1[y] * width;
      const h0 = ys.w0[y];
      const h1 = ys.w1[y];
      const o = (c * outH + y) * outW;
      for (let x = 0; x < outW; x++) {
        const a = xs.i0[x];
        const b = xs.i1[x];
        const top = f(f(data[r0 + a] * xs.w0[x]) + f(data[r0 + b] * xs.w1[x]));
        const bottom = f(f(data[r1 + a] * xs.w0[x]) + f(data[r1 + b] * xs.w1[x]));
        out[o + x] = f(f(top * h0) + f(bottom * h1));
      }
    }
  }
  return { data: out, channels, height: outH, width: outW };
}

/** resize_and_crop_tensor: scale to cover the target size, then centre-crop to it. */
export function resizeAndCrop(img: PlanarImage, newWidth: number, newHeight: number): PlanarImage {
  if (img.height === newHeight && img.width === newWidth) return img;
  const ratio = Math.max(newHeight / img.height, newWidth / img.width);
  const rw = Math.trunc(img.width * ratio);
  const rh = Math.trunc(img.height * ratio);
  const resized = resizeBilinear(img, rh, rw);
  const x0 = Math.floor((rw - newWidth) / 2);
  const y0 = Math.floor((rh - newHeight) / 2);
  const out = new Float32Array(img.channels * newHeight * newWidth);
  for (let c = 0; c < img.channels; c++) {
    for (let y = 0; y < newHeight; y++) {
      const src = (c * rh + y0 + y) * rw + x0;
      out.set(resized.data.subarray(src, src + newWidth), (c * newHeight + y) * newWidth);
    }
  }
  return { data: out, channels: img.channels, height: newHeight, width: newWidth };
}

/** postprocess(output_type="pil") of one [3,H,W] VAE sample in [-1, 1] → HWC 8-bit RGB. */
export function toRgb8(img: PlanarImage): Uint8Array {
  if (img.channels !== 3) throw new Error(`expected 3 image channels from the VAE, got ${img.channels}`);
  const { height, width, data } = img;
  const n = height * width;
  const out = new Uint8Array(n * 3);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < n; i++) {
      const v = Math.min(Math.max(f(f(data[c * n + i] / 2) + 0.5), 0), 1);
      out[i * 3 + c] = roundHalfEven(f(v * 255));
    }
  }
  return out;
}

/** The same image as float HWC in [0, 1] (diffusers' output_type="np"), for comparisons. */
export function toUnitHwc(img: PlanarImage): Float32Array {
  const { height, width, data } = img;
  const n = height * width;
  const out = new Float32Array(n * img.channels);
  for (let c = 0; c < img.channels; c++) {
    for (let i = 0; i < n; i++) out[i * img.channels + c] = Math.min(Math.max(f(f(data[c * n + i] / 2) + 0.5), 0), 1);
  }
  return out;
}
