// Turns generated RGB into file bytes: PNG with the `parameters` text chunk (our own encoder),
// or WebP/JPEG through sharp when it is installed (an optional native dependency), with the
// parameters in EXIF that we add ourselves (exif.ts: sharp writes EXIF text as ASCII only).

import { encodePng } from './png';
import { PARAMETERS_KEY } from './parameters';
import { writeExifText } from './exif';
import type { ImageFormat } from '../protocol/messages';

export interface ImageToEncode {
  rgb: Uint8Array;
  width: number;
  height: number;
  /** The AUTOMATIC1111-style parameters text to embed. */
  parameters: string;
}

interface SharpLike {
  (input: Uint8Array, options: { raw: { width: number; height: number; channels: 3 } }): SharpChain;
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
  const encoded = await (format === 'webp' ? img.webp({ quality: 92 }).toBuffer() : img.jpeg({ quality: 92, mozjpeg: true }).toBuffer());
  // A1111's UserComment (exact, any script) and ImageDescription (UTF-8, for tools that show only it).
  const exif = { UserComment: image.parameters, ImageDescription: image.parameters };
  // A Uint8Array of its own, not a view into sharp's (libvips-allocated) or Node's pooled memory.
  return new Uint8Array(format === 'webp' ? webpWithExif(encoded, writeExifText(exif), image) : jpegWithExif(encoded, exif));
}

/** A JPEG APP1 segment holds at most 65,533 bytes after its marker. */
const APP1_MAX = 0xffff - 2;

/** The JPEG with an APP1 `Exif` segment after SOI and a JFIF APP0 (libjpeg's order). */
export function jpegWithExif(jpeg: Buffer, text: { UserComment: string; ImageDescription?: string }): Buffer {
  let tiff = writeExifText(text);
  // UserComment alone when both do not fit (the fields are at most a few KB; this is a backstop).
  if (6 + tiff.length > APP1_MAX) tiff = writeExifText({ UserComment: text.UserComment });
  if (6 + tiff.length > APP1_MAX) throw new Error(`The generation parameters (${text.UserComment.length} characters) do not fit in a JPEG's EXIF (64 KB); choose PNG or WebP in the pixart.imageFormat setting.`);
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('the JPEG encoder gave no JPEG');
  let at = 2;
  if (jpeg[2] === 0xff && jpeg[3] === 0xe0) at = 4 + jpeg.readUInt16BE(4);
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xffe1, 0);
  segment.writeUInt16BE(2 + 6 + tiff.length, 2);
  return Buffer.concat([jpeg.subarray(0, at), segment, Buffer.from('Exif\0\0', 'latin1'), tiff, jpeg.subarray(at)]);
}

function chunk(fourcc: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(fourcc, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, Buffer.alloc(data.length & 1)]);
}

/**
 * The WebP in the extended format with an EXIF chunk: a VP8X header (EXIF flag, canvas size)
 * before the image chunks, the EXIF chunk after them, any EXIF chunk there was replaced.
 */
export function webpWithExif(webp: Buffer, tiff: Buffer, size: { width: number; height: number }): Buffer {
  if (webp.toString('latin1', 0, 4) !== 'RIFF' || webp.toString('latin1', 8, 12) !== 'WEBP') throw new Error('the WebP encoder gave no WebP');
  const chunks: { fourcc: string; bytes: Buffer }[] = [];
  for (let pos = 12; pos + 8 <= webp.length; ) {
    const len = webp.readUInt32LE(pos + 4);
    chunks.push({ fourcc: webp.toString('latin1', pos, pos + 4), bytes: webp.subarray(pos, pos + 8 + len + (len & 1)) });
    pos += 8 + len + (len & 1);
  }
  let vp8x = chunks.find((c) => c.fourcc === 'VP8X')?.bytes;
  if (vp8x) vp8x = Buffer.from(vp8x);
  else {
    vp8x = chunk('VP8X', Buffer.alloc(10));
    vp8x.writeUIntLE(size.width - 1, 12, 3);
    vp8x.writeUIntLE(size.height - 1, 15, 3);
  }
  vp8x[8] |= 0x08; // EXIF present
  const rest = chunks.filter((c) => c.fourcc !== 'VP8X' && c.fourcc !== 'EXIF');
  const xmp = rest.findIndex((c) => c.fourcc === 'XMP ');
  const body = [vp8x, ...rest.map((c) => c.bytes)];
  body.splice(xmp < 0 ? body.length : xmp + 1, 0, chunk('EXIF', tiff)); // EXIF comes before XMP
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(4 + body.reduce((n, b) => n + b.length, 0), 4);
  riff.write('WEBP', 8, 'latin1');
  return Buffer.concat([riff, ...body]);
}
