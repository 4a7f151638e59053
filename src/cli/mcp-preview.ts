// The picture an MCP result carries, so clients that show images can show it: the saved PNG when
// its longest side is at most PREVIEW_MAX_SIDE, else the image box-filtered down by the smallest
// whole factor that fits, as a PNG without text chunks. Pure, and needs no native package.
import { encodePng } from '../image/png';

export const PREVIEW_MAX_SIDE = 1024;

export interface RgbImage {
  rgb: Uint8Array;
  width: number;
  height: number;
}

/** Each `factor`×`factor` block of 8-bit RGB averaged into one pixel (edge blocks over the pixels they have), rounded. */
export function boxDownscale(img: RgbImage, factor: number): RgbImage {
  const width = Math.ceil(img.width / factor);
  const height = Math.ceil(img.height / factor);
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const y1 = Math.min(img.height, (y + 1) * factor);
    for (let x = 0; x < width; x++) {
      const x1 = Math.min(img.width, (x + 1) * factor);
      const sum = [0, 0, 0];
      for (let sy = y * factor; sy < y1; sy++) {
        for (let sx = x * factor; sx < x1; sx++) {
          const i = (sy * img.width + sx) * 3;
          sum[0] += img.rgb[i];
          sum[1] += img.rgb[i + 1];
          sum[2] += img.rgb[i + 2];
        }
      }
      const n = (y1 - y * factor) * (x1 - x * factor);
      for (let c = 0; c < 3; c++) rgb[(y * width + x) * 3 + c] = Math.round(sum[c] / n);
    }
  }
  return { rgb, width, height };
}

/** The MCP image content for one image: `png` (its saved bytes) as is when small enough. */
export function previewContent(img: RgbImage, png: Uint8Array): { type: 'image'; data: string; mimeType: 'image/png' } {
  const factor = Math.ceil(Math.max(img.width, img.height) / PREVIEW_MAX_SIDE);
  const bytes = factor <= 1 ? png : (() => {
    const small = boxDownscale(img, factor);
    return encodePng(small.rgb, small.width, small.height, {});
  })();
  return { type: 'image', data: Buffer.from(bytes).toString('base64'), mimeType: 'image/png' };
}
