// PNG encoding with text chunks, and reading text chunks back. sharp cannot write tEXt/iTXt,
// and generated images must carry their parameters, so we write the few chunks ourselves.
import { crc32, deflateSync, inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

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
    SIGNATURE,
    chunk('IHDR', ihdr),
    ...Object.entries(text).map(([k, v]) => textChunk(k, v)),
    chunk('IDAT', deflateSync(raw, { level: 6 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Reads tEXt, zTXt and iTXt chunks of a PNG. Throws when the data is not a PNG. */
export function readPngText(png: Buffer): Record<string, string> {
  if (png.length < 8 || !png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  const out: Record<string, string> = {};
  let pos = 8;
  while (pos + 12 <= png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    if (type === 'tEXt') {
      const z = data.indexOf(0);
      if (z > 0) out[data.toString('latin1', 0, z)] = data.toString('latin1', z + 1);
    } else if (type === 'zTXt') {
      const z = data.indexOf(0);
      if (z > 0) out[data.toString('latin1', 0, z)] = inflateSync(data.subarray(z + 2)).toString('latin1');
    } else if (type === 'iTXt') {
      const z = data.indexOf(0);
      if (z > 0) {
        const compressed = data[z + 1] === 1;
        const langEnd = data.indexOf(0, z + 3);
        const transEnd = data.indexOf(0, langEnd + 1);
        if (langEnd > 0 && transEnd > 0) {
          const body = data.subarray(transEnd + 1);
          out[data.toString('latin1', 0, z)] = (compressed ? inflateSync(body) : body).toString('utf8');
        }
      }
    } else if (type === 'IDAT' || type === 'IEND') {
      // Text after the image data is allowed but we only write it before; reading on is cheap though.
      if (type === 'IEND') break;
    }
    pos += 12 + len;
  }
  return out;
}
