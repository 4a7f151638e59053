// A cheap preview of latents: each latent pixel's 4 channels projected linearly to RGB with the
// factors ComfyUI uses for SD1.5-family latents (PixArt-α shares that VAE), then mapped from
// −1…1 to 0…255. One latent pixel becomes one preview pixel (1024×1024 → 128×128), box-averaged
// further down when a smaller preview is asked for. Pure: no I/O.

/** Rows: latent channels 0…3; columns: R, G, B. comfy/latent_formats.py, class SD15. */
export const SD15_LATENT_RGB_FACTORS: readonly (readonly [number, number, number])[] = [
  [0.3512, 0.2297, 0.3227],
  [0.325, 0.4974, 0.235],
  [-0.2829, 0.1762, 0.2721],
  [-0.212, -0.2616, -0.7177],
];

export interface PreviewRgb {
  width: number;
  height: number;
  /** HWC RGB bytes. */
  rgb: Uint8Array;
}

/**
 * Projects batch row `index` of `latents` ([B,4,h,w], row-major) to an RGB image whose longer
 * side is at most `maxSize` (an integer box-average factor; never upscaled).
 */
export function latentsToPreview(latents: Float32Array, shape: readonly number[], index = 0, maxSize = 128): PreviewRgb {
  if (shape.length !== 4 || shape[1] !== 4) throw new Error(`preview needs latents shaped [B,4,h,w], got [${shape.join(',')}]`);
  const [b, c, h, w] = shape;
  if (latents.length < b * c * h * w) throw new Error(`latents hold ${latents.length} values, shape needs ${b * c * h * w}`);
  if (!Number.isInteger(index) || index < 0 || index >= b) throw new Error(`batch index ${index} out of range 0…${b - 1}`);
  const factor = Math.max(1, Math.ceil(Math.max(h, w) / Math.max(1, maxSize)));
  const ow = Math.floor(w / factor) || 1;
  const oh = Math.floor(h / factor) || 1;
  const plane = h * w;
  const base = index * c * plane;
  const rgb = new Uint8Array(ow * oh * 3);
  const f = SD15_LATENT_RGB_FACTORS;
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      // Mean of each channel over the box (the projection is linear, so mean first is exact).
      let l0 = 0, l1 = 0, l2 = 0, l3 = 0, n = 0;
      for (let y = oy * factor; y < Math.min(h, (oy + 1) * factor); y++) {
        for (let x = ox * factor; x < Math.min(w, (ox + 1) * factor); x++) {
          const p = base + y * w + x;
          l0 += latents[p];
          l1 += latents[p + plane];
          l2 += latents[p + 2 * plane];
          l3 += latents[p + 3 * plane];
          n++;
        }
      }
      l0 /= n; l1 /= n; l2 /= n; l3 /= n;
      const o = (oy * ow + ox) * 3;
      for (let k = 0; k < 3; k++) {
        const v = l0 * f[0][k] + l1 * f[1][k] + l2 * f[2][k] + l3 * f[3][k];
        rgb[o + k] = toByte(v);
      }
    }
  }
  return { width: ow, height: oh, rgb };
}

/** −1…1 → 0…255, clamped; NaN → 0. */
function toByte(v: number): number {
  const x = (v + 1) / 2;
  if (!(x > 0)) return 0;
  if (x >= 1) return 255;
  return Math.round(x * 255);
}
