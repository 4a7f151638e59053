// The two EXIF text fields that carry generation parameters: IFD0 ImageDescription and the Exif
// IFD's UserComment (what AUTOMATIC1111 writes: an 8-byte charset code, then the text). We write
// both ourselves (sharp/libvips writes EXIF strings as ASCII, so a non-ASCII prompt became "?"):
// UserComment as `UNICODE\0` + UTF-16 in the TIFF's byte order (big-endian, as piexif writes it for
// A1111), ImageDescription as UTF-8. Reads only those two IFDs, every offset bounds-checked, so
// hostile data costs no more than its own size.

const IMAGE_DESCRIPTION = 0x010e;
const EXIF_IFD = 0x8769;
const USER_COMMENT = 0x9286;
const MAX_ENTRIES = 1000;
const TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8 };
const ASCII = 2;
const LONG = 4;
const UNDEFINED = 7;
const UNICODE_CODE = Buffer.from('UNICODE\0', 'latin1');

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

  get littleEndian(): boolean {
    return this.le;
  }
}

const trimNul = (b: Buffer) => {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  return b.subarray(0, end);
};

/**
 * UTF-16 in the byte order a BOM gives, else the one ASCII characters show (their zero bytes; some
 * writers ignore the file's order), else the TIFF's (the spec's rule, and what decides for text
 * without ASCII such as 日本語).
 */
function utf16(b: Buffer, tiffLittleEndian: boolean): string {
  let body = Buffer.from(b.subarray(0, b.length & ~1));
  let le = tiffLittleEndian;
  if (body.length >= 2 && ((body[0] === 0xff && body[1] === 0xfe) || (body[0] === 0xfe && body[1] === 0xff))) {
    le = body[0] === 0xff;
    body = body.subarray(2);
  } else {
    let evenZeros = 0;
    let oddZeros = 0;
    for (let i = 0; i + 1 < body.length; i += 2) {
      if (body[i] === 0 && body[i + 1] !== 0) evenZeros++;
      if (body[i + 1] === 0 && body[i] !== 0) oddZeros++;
    }
    if (evenZeros !== oddZeros) le = oddZeros > evenZeros;
  }
  return (le ? body : body.swap16()).toString('utf16le').replace(/\0+$/, '');
}

/** A UserComment: an 8-byte charset code (ASCII, UNICODE, JIS or undefined), then the text. */
function userComment(v: Buffer, tiffLittleEndian: boolean): string {
  const code = v.toString('latin1', 0, 8);
  const body = v.subarray(8);
  if (code.startsWith('UNICODE')) return utf16(body, tiffLittleEndian);
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
  if (comment && comment.length >= 8) out.UserComment = userComment(comment, tiff.littleEndian);
  return out;
}

/** One IFD entry to write: a tag, its type, its count and its value bytes (big-endian). */
interface Entry {
  tag: number;
  type: number;
  count: number;
  value: Buffer;
}

/**
 * EXIF data (a big-endian TIFF, without the `Exif\0\0` of a JPEG segment) holding IFD0
 * ImageDescription (UTF-8) and, in the Exif IFD, UserComment (`UNICODE\0` + UTF-16BE).
 */
export function writeExifText(text: ExifText): Buffer {
  const ifd0: Entry[] = [];
  if (text.ImageDescription !== undefined) {
    const v = Buffer.from(`${text.ImageDescription}\0`, 'utf8');
    ifd0.push({ tag: IMAGE_DESCRIPTION, type: ASCII, count: v.length, value: v });
  }
  const exif: Entry[] = [];
  if (text.UserComment !== undefined) {
    const v = Buffer.concat([UNICODE_CODE, Buffer.from(text.UserComment, 'utf16le').swap16()]);
    exif.push({ tag: USER_COMMENT, type: UNDEFINED, count: v.length, value: v });
  }
  const ifd0Size = ifdSize(ifd0.length + (exif.length ? 1 : 0));
  const exifAt = 8 + ifd0Size + dataSize(ifd0);
  if (exif.length) ifd0.push({ tag: EXIF_IFD, type: LONG, count: 1, value: u32(exifAt) }); // tags stay in ascending order
  const header = Buffer.from([0x4d, 0x4d, 0, 42, 0, 0, 0, 8]);
  return Buffer.concat([header, ifd(ifd0, 8), ...(exif.length ? [ifd(exif, exifAt)] : [])]);
}

const ifdSize = (entries: number) => 2 + entries * 12 + 4;
const padded = (n: number) => n + (n & 1);
const dataSize = (entries: Entry[]) => entries.reduce((n, e) => n + (e.value.length > 4 ? padded(e.value.length) : 0), 0);

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** An IFD at offset `at` of the TIFF (no next IFD), followed by its values longer than 4 bytes. */
function ifd(entries: Entry[], at: number): Buffer {
  const table = Buffer.alloc(ifdSize(entries.length));
  table.writeUInt16BE(entries.length, 0);
  const data: Buffer[] = [];
  let next = at + table.length;
  entries.forEach((e, i) => {
    const pos = 2 + i * 12;
    table.writeUInt16BE(e.tag, pos);
    table.writeUInt16BE(e.type, pos + 2);
    table.writeUInt32BE(e.count, pos + 4);
    if (e.value.length <= 4) e.value.copy(table, pos + 8);
    else {
      table.writeUInt32BE(next, pos + 8);
      data.push(e.value, Buffer.alloc(e.value.length & 1));
      next += padded(e.value.length);
    }
  });
  return Buffer.concat([table, ...data]);
}
