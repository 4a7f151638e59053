// Hostile and damaged image files, built byte by byte: the PNGs and EXIF blocks of issue 16
// (the freeze, the decompression bomb, corrupt neighbours) for the reader tests and the fuzzer.
import { constants, crc32, deflateRawSync, deflateSync } from 'node:zlib';
import { encodePng, PNG_SIGNATURE } from '../../src/image/png';
import { toParameters, type ImageParameters } from '../../src/image/parameters';

export const sampleParameters: ImageParameters = {
  prompt: 'a small cactus', negativePrompt: 'blurry', steps: 4, sampler: 'LCM', guidanceScale: 0,
  seed: '42', width: 2, height: 1, model: 'PixArt-LCM-XL-2-1024-MS',
};

/** One PNG chunk; `crc` replaces the right one (to damage it). */
export function pngChunk(type: string, data: Buffer, crc?: number): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc ?? crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export const tEXt = (keyword: string, text: string) => pngChunk('tEXt', Buffer.concat([Buffer.from(`${keyword}\0`, 'latin1'), Buffer.from(text, 'latin1')]));
export const zTXtRaw = (keyword: string, compressed: Buffer) => pngChunk('zTXt', Buffer.concat([Buffer.from(`${keyword}\0\0`, 'latin1'), compressed]));
export const zTXt = (keyword: string, text: string) => zTXtRaw(keyword, deflateSync(Buffer.from(text, 'latin1'), { level: 9 }));
export const iTXtCompressed = (keyword: string, text: string) =>
  pngChunk('iTXt', Buffer.concat([Buffer.from(`${keyword}\0\x01\0\0\0`, 'latin1'), deflateSync(Buffer.from(text, 'utf8'))]));

/** A 1×1 PNG with these chunks between IHDR and the image data. */
export function pngWith(...chunks: Buffer[]): Buffer {
  const plain = encodePng(new Uint8Array(3), 1, 1);
  const ihdrEnd = 8 + 25;
  return Buffer.concat([plain.subarray(0, ihdrEnd), ...chunks, plain.subarray(ihdrEnd)]);
}

/** Issue 16's freeze: `p\nSteps: 1,` and `spaces` spaces, deflated (60,000 spaces: about 170 bytes). */
export const freezePng = (spaces = 60_000) => pngWith(zTXt('parameters', `p\nSteps: 1,${' '.repeat(spaces)}`));

/**
 * A valid zlib stream of zeros about `bytes` long that inflates about 1,000-fold, built without
 * deflating gigabytes: 1 MiB of zeros deflated from a fresh state (full flush, so it refers to
 * nothing before it) is the same block every time, repeated; the Adler-32 of n zeros is (n·65536 + 1).
 */
export function zeroBomb(bytes: number): Buffer {
  const mib = 1 << 20;
  const block = deflateRawSync(Buffer.alloc(mib), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const count = Math.max(1, Math.round(bytes / block.length));
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(((Number((BigInt(count) * BigInt(mib)) % 65521n) << 16) | 1) >>> 0);
  return Buffer.concat([Buffer.from([0x78, 0xda]), ...Array.from({ length: count }, () => block), deflateRawSync(Buffer.alloc(0)), adler]);
}

/** A decompression bomb of about `bytes` (3 MB: about 3 GB of zeros) beside a valid parameters chunk. */
export function bombPng(bytes = 3_000_000, keyword = 'comment'): Buffer {
  return pngWith(zTXtRaw(keyword, zeroBomb(bytes)), tEXt('parameters', toParameters(sampleParameters)));
}

/** A valid PNG of `sampleParameters` (or `text`). */
export const parametersPng = (text = toParameters(sampleParameters)) => pngWith(tEXt('parameters', text));

export { PNG_SIGNATURE };

/** EXIF (big-endian TIFF) with a UserComment in the Exif IFD, as AUTOMATIC1111 writes it (piexif, UNICODE = UTF-16BE). */
export function exifUserComment(text: string): Buffer {
  const comment = Buffer.concat([Buffer.from('UNICODE\0', 'latin1'), Buffer.from(text, 'utf16le').swap16()]);
  const tiff = Buffer.alloc(8 + 18 + 18 + comment.length);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4); // IFD0
  tiff.writeUInt16BE(1, 8);
  tiff.writeUInt16BE(0x8769, 10); // Exif IFD pointer, LONG × 1
  tiff.writeUInt16BE(4, 12);
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt32BE(26, 18);
  tiff.writeUInt16BE(1, 26); // Exif IFD: UserComment, UNDEFINED × n at 44
  tiff.writeUInt16BE(0x9286, 28);
  tiff.writeUInt16BE(7, 30);
  tiff.writeUInt32BE(comment.length, 32);
  tiff.writeUInt32BE(44, 36);
  comment.copy(tiff, 44);
  return Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
}

/** A JPEG's first segments: SOI and an APP1 holding `exif` (enough for a metadata reader). */
export function jpegWithExif(exif: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(exif.length + 2);
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe1]), len, exif, Buffer.from([0xff, 0xd9])]);
}

/** EXIF (big-endian TIFF) with ASCII entries in IFD0, e.g. Make (0x010f) and Model (0x0110), as PIL writes ComfyUI's WebP graphs. */
export function exifAscii(entries: [tag: number, text: string][]): Buffer {
  const sorted = [...entries].sort((a, b) => a[0] - b[0]);
  const values = sorted.map(([, text]) => Buffer.from(`${text}\0`, 'utf8'));
  const table = Buffer.alloc(2 + 12 * sorted.length + 4);
  table.writeUInt16BE(sorted.length, 0);
  let at = 8 + table.length;
  sorted.forEach(([tag], i) => {
    table.writeUInt16BE(tag, 2 + i * 12);
    table.writeUInt16BE(2, 4 + i * 12); // ASCII
    table.writeUInt32BE(values[i].length, 6 + i * 12);
    table.writeUInt32BE(at, 10 + i * 12); // values are longer than 4 bytes here
    at += values[i].length;
  });
  return Buffer.concat([Buffer.from([0x4d, 0x4d, 0, 42, 0, 0, 0, 8]), table, ...values]);
}
