// The two EXIF text fields that carry generation parameters: IFD0 ImageDescription (what we write
// through sharp) and the Exif IFD's UserComment (what AUTOMATIC1111 writes, with a charset
// prefix). Reads only those two IFDs, every offset bounds-checked, so hostile data costs no more
// than its own size.

const IMAGE_DESCRIPTION = 0x010e;
const EXIF_IFD = 0x8769;
const USER_COMMENT = 0x9286;
const MAX_ENTRIES = 1000;
const TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8 };

export interface ExifText {
  ImageDescription?: string;
  UserComment?: string;
}

class Tiff {
  constructor(private readonly b: Buffer, private readonly le: boolean) {}

  u16(at: number): number | undefined {
    if (at < 0 || at + 2 > this.b.length) return undefined;
    return this.le ? this.b.readUInt16LE(at) : this.b.readUInt16BE(at);
  }

  u32(at: number): number | undefined {
    if (at < 0 || at + 4 > this.b.length) return undefined;
    return this.le ? this.b.readUInt32LE(at) : this.b.readUInt32BE(at);
  }

  /** tag → value bytes of one IFD (values up to 4 bytes sit in the entry itself). */
  entries(ifd: number): Map<number, Buffer> {
    const out = new Map<number, Buffer>();
    const count = Math.min(this.u16(ifd) ?? 0, MAX_ENTRIES);
    for (let i = 0; i < count; i++) {
      const at = ifd + 2 + i * 12;
      const [tag, type, n] = [this.u16(at), this.u16(at + 2), this.u32(at + 4)];
      if (tag === undefined || type === undefined || n === undefined) break;
      const bytes = (TYPE_SIZES[type] ?? 0) * n;
      const start = bytes <= 4 ? at + 8 : this.u32(at + 8);
      if (start === undefined || bytes === 0 || start + bytes > this.b.length) continue;
      out.set(tag, this.b.subarray(start, start + bytes));
    }
    return out;
  }

  offset(value: Buffer | undefined): number | undefined {
    if (!value || value.length < 4) return undefined;
    return this.le ? value.readUInt32LE(0) : value.readUInt32BE(0);
  }
}

const trimNul = (b: Buffer) => {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  return b.subarray(0, end);
};

/** UTF-16 in either byte order (writers disagree: piexif writes big-endian, exiftool the file's order). */
function utf16(b: Buffer): string {
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i + 1 < b.length; i += 2) {
    if (b[i] === 0) evenZeros++;
    if (b[i + 1] === 0) oddZeros++;
  }
  const le = oddZeros > evenZeros;
  const even = b.subarray(0, b.length & ~1);
  return (le ? Buffer.from(even) : Buffer.from(even).swap16()).toString('utf16le').replace(/\0+$/, '');
}

/** A UserComment: an 8-byte charset code (ASCII, UNICODE, JIS or undefined), then the text. */
function userComment(v: Buffer): string {
  const code = v.toString('latin1', 0, 8);
  const body = v.subarray(8);
  if (code.startsWith('UNICODE')) return utf16(body);
  return trimNul(body).toString(code.startsWith('ASCII') ? 'latin1' : 'utf8');
}

/** ImageDescription and UserComment from EXIF data (TIFF, maybe after an `Exif\0\0` prefix). */
export function readExifText(exif: Buffer): ExifText {
  const b = exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? exif.subarray(6) : exif;
  const order = b.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return {};
  const tiff = new Tiff(b, order === 'II');
  const ifd0 = tiff.u16(2) === 42 ? tiff.u32(4) : undefined;
  if (ifd0 === undefined) return {};
  const out: ExifText = {};
  const main = tiff.entries(ifd0);
  const description = main.get(IMAGE_DESCRIPTION);
  if (description) out.ImageDescription = trimNul(description).toString('utf8');
  const exifIfd = tiff.offset(main.get(EXIF_IFD));
  const comment = exifIfd === undefined ? undefined : tiff.entries(exifIfd).get(USER_COMMENT);
  if (comment && comment.length >= 8) out.UserComment = userComment(comment);
  return out;
}
