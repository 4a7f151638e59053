// Turns generated RGB into file bytes: PNG with the `parameters` text chunk (our own encoder),
// or WebP/JPEG through sharp when it is installed (an optional native dependency).

import { encodePng } from './png';
import { PARAMETERS_KEY } from './parameters';
import type { ImageFormat } from '../protocol/messages';

export interface ImageToEncode {
  rgb: Uint8Array;
  width: number;
  height: number;
  /** The AUTOMATIC1111-style parameters text to embed. */
  parameters: string;
}

interface SharpLike {
  (input: Uint8Array, options: { raw: { width: number; height: number; channels: 3 } }): {
    withExif?(exif: Record<string, Record<string, string>>): SharpChain;
  } & SharpChain;
}
interface SharpChain {
  webp(o?: { quality?: number }): SharpChain;
  jpeg(o?: { quality?: number; mozjpeg?: boolean }): SharpChain;
  toBuffer(): Promise<Buffer>;
}

let sharpModule: SharpLike | null | undefined;

function loadSharp(): SharpLike | null {
  if (sharpModule !== undefined) return sharpModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    sharpModule = require('sharp') as SharpLike;
  } catch {
    sharpModule = null;
  }
  return sharpModule;
}

export async function encodeImage(image: ImageToEncode, format: ImageFormat): Promise<Uint8Array> {
  if (format === 'png') return encodePng(image.rgb, image.width, image.height, { [PARAMETERS_KEY]: image.parameters });
  const sharp = loadSharp();
  if (!sharp) throw new Error(`Saving as ${format.toUpperCase()} needs the optional 'sharp' package, which is not installed; choose PNG in the pixart.imageFormat setting.`);
  const img = sharp(image.rgb, { raw: { width: image.width, height: image.height, channels: 3 } });
  // EXIF ImageDescription carries the parameters text where sharp supports writing EXIF.
  const withExif = img.withExif?.({ IFD0: { ImageDescription: image.parameters } });
  const chain = withExif ?? img;
  const encoded = await (format === 'webp' ? chain.webp({ quality: 92 }).toBuffer() : chain.jpeg({ quality: 92, mozjpeg: true }).toBuffer());
  // sharp's Buffer lives in memory libvips allocated; Node 24 refuses to transfer such a buffer to
  // another thread ("Cannot transfer object of unsupported type"), so hand back a plain copy.
  return new Uint8Array(encoded);
}
