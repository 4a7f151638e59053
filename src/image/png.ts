// PNG encoding with text chunks, and reading text chunks back from a PNG in memory. sharp cannot write tEXt/iTXt,
// and generated images must carry their parameters, so we write the few chunks ourselves.
import { crc32, deflateSync } from 'node:zlib';
import { PngTextCollector, type PngTextOptions, type PngTextResult } from './png-text';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const isPrintableAscii = (s: string) => /^[\x20-\x7e\n]*$/.test(s);

/**
 * A text chunk: tEXt when the value is plain ASCII (what AUTOMATIC1111 and most readers expect),
 * otherwise UTF-8 iTXt: tEXt is Latin-1 by the spec, but some readers (libvips) take it as UTF-8,
 * so only ASCII is unambiguous there.
 */
function textChunk(keyword: string, value: string): Buffer {
  if (!/^[\x20-\x7e]{1,79}$/.test(keyword)) throw new Error(`invalid PNG text keyword: ${JSON.stringify(keyword)}`);
  if (isPrintableAscii(value)) return chunk('tEXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(value, 'latin1')]));
  // keyword \0 compression-flag(0) compression-method(0) language-tag \0 translated-keyword \0 text
  return chunk('iTXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(value, 'utf8')]));
}

/** Encodes 8-bit RGB (HWC) as a PNG, with text chunks placed before the image data. */
export function encodePng(rgb: Uint8Array, width: number, height: number, text: Record<string, string> = {}): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error(`invalid PNG size ${width}x${height}`);
  if (rgb.length !== width * height * 3) throw new Error(`RGB buffer has ${rgb.length} bytes, expected ${width * height * 3} for ${width}x${height}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour
  const stride = width * 3;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter: none — generated images compress about as well with Sub/Paeth, and this is faster
    raw.set(rgb.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', ihdr),
    ...Object.entries(text).map(([k, v]) => textChunk(k, v)),
    chunk('IDAT', deflateSync(raw, { level: 6 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Chunks walked before a reader gives up (a PNG needs a handful, plus its image data chunks). */
export const PNG_MAX_CHUNKS = 10_000;

/**
 * The tEXt, zTXt and iTXt chunks of a PNG in memory, within PNG_TEXT_LIMITS, and the chunks it
 * skipped and why. Throws only when the data is not a PNG: a damaged chunk is skipped, the
 * others are kept. Stops at IEND, at a truncated chunk, or after PNG_MAX_CHUNKS chunks.
 */
export function readPngTextChunks(png: Buffer, options: PngTextOptions = {}): PngTextResult {
  if (png.length < 8 || !png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG file');
  const text = new PngTextCollector(options);
  let pos = 8;
  for (let n = 0; n < PNG_MAX_CHUNKS && pos + 12 <= png.length; n++) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const end = pos + 12 + len;
    if (end > png.length || type === 'IEND') break;
    if (PngTextCollector.isText(type)) text.addChunk(type, png.subarray(pos + 8, end - 4), png.readUInt32BE(end - 4));
    pos = end;
  }
  return text.result();
}

/** The text chunks of a PNG, keyword → text (see readPngTextChunks). Throws when the data is not a PNG. */
export function readPngText(png: Buffer, options: PngTextOptions = {}): Record<string, string> {
  return readPngTextChunks(png, options).text;
}
