// Reads the EXIF ImageDescription of a JPEG or WebP file: where the extension writes the generation
// parameters when it saves in those formats (src/image/encode.ts, through sharp). Just enough
// TIFF/IFD0 parsing for that one ASCII tag, so the suite needs no image library of its own.

import * as assert from 'node:assert/strict';

/** The ASCII ImageDescription (tag 0x010E) of IFD0 in a TIFF-structured EXIF block. */
export function exifImageDescription(tiff: Buffer): string | undefined {
  const le = tiff.toString('latin1', 0, 2) === 'II';
  assert.ok(le || tiff.toString('latin1', 0, 2) === 'MM', 'EXIF starts with a TIFF byte-order mark');
  const u16 = (o: number) => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number) => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  assert.equal(u16(2), 42, 'TIFF magic');
  const ifd = u32(4);
  for (let i = 0, n = u16(ifd); i < n; i++) {
    const entry = ifd + 2 + i * 12;
    if (u16(entry) !== 0x010e) continue;
    const count = u32(entry + 4);
    const at = count <= 4 ? entry + 8 : u32(entry + 8);
    return tiff.toString('utf8', at, at + count).replace(/\0+$/, '');
  }
  return undefined;
}

const stripExifHeader = (b: Buffer) => (b.toString('latin1', 0, 6) === 'Exif\0\0' ? b.subarray(6) : b);

/** The EXIF block of a JPEG (APP1 "Exif") or WebP (RIFF "EXIF" chunk), as TIFF. */
export function exifOf(file: Buffer, format: 'jpeg' | 'webp'): Buffer | undefined {
  if (format === 'jpeg') {
    for (let o = 2; o + 4 <= file.length && file[o] === 0xff; ) {
      const marker = file[o + 1];
      if (marker === 0xda || marker === 0xd9) break; // image data starts: no more metadata
      const len = file.readUInt16BE(o + 2);
      const data = file.subarray(o + 4, o + 2 + len);
      if (marker === 0xe1 && data.toString('latin1', 0, 6) === 'Exif\0\0') return data.subarray(6);
      o += 2 + len;
    }
    return undefined;
  }
  for (let o = 12; o + 8 <= file.length; ) {
    const fourcc = file.toString('latin1', o, o + 4);
    const size = file.readUInt32LE(o + 4);
    if (fourcc === 'EXIF') return stripExifHeader(file.subarray(o + 8, o + 8 + size));
    o += 8 + size + (size & 1);
  }
  return undefined;
}
