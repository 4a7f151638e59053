// Reading the text an image file carries, from files that may be hostile (a repository's assets
// folder): PNG text chunks, and the EXIF of WebP and JPEG. Only headers and the chunks that may
// hold text are read, each within a byte budget, so a huge or crafted file costs a bounded
// number of small reads. The one reader of image metadata: the extension (its gallery thread,
// Reuse, Re-run, Insert) and `pixart info` both come here.
import { constants, promises as fs } from 'node:fs';
import { PNG_MAX_CHUNKS, PNG_SIGNATURE } from './png';
import { PngTextCollector, pngTextKeyword, type PngTextOptions, type PngTextResult } from './png-text';
import { readExifText } from './exif';
import { fromParameters, PARAMETERS_KEY, type ImageParameters } from './parameters';
import type { ImageFormat } from '../protocol/messages';

/** What an image file says: PNG keyword → text, or the EXIF fields ImageDescription / UserComment. */
export interface ImageText extends PngTextResult {
  format: ImageFormat;
}

/** The file is not an image we read, or carries no parameters; the message says which. */
export class MetadataError extends Error {
  override name = 'MetadataError';
}

/** Random access to a file's bytes; `read` returns fewer bytes at the end. */
export interface ByteSource {
  readonly size: number;
  read(pos: number, length: number): Promise<Buffer>;
}

const EXIF_MAX_BYTES = 1024 * 1024;
const MAX_SEGMENTS = 1000;
const WINDOW = 64 * 1024;
/** Bytes one file may cost in reads (10,000 chunk headers far apart cost a window each). */
const FILE_READ_BUDGET = 64 * 1024 * 1024;

export function bufferSource(buf: Buffer): ByteSource {
  return { size: buf.length, read: async (pos, length) => buf.subarray(pos, pos + length) };
}

export interface OpenOptions {
  /** false: a symbolic link is not opened (ELOOP), e.g. in a folder whose links may point anywhere. */
  followLinks?: boolean;
}

/**
 * Runs `body` on a file as a ByteSource that reads 64 KiB windows (chunk headers mostly come
 * free); past FILE_READ_BUDGET bytes read, reads come back empty and the walkers stop.
 */
export async function withFileSource<T>(file: string, body: (src: ByteSource) => Promise<T>, { followLinks = true }: OpenOptions = {}): Promise<T> {
  // Non-blocking open: a FIFO or device must not hang the reader; only regular files are read.
  // O_NOFOLLOW is refused at open, so a file swapped for a link after it was listed is not read
  // through (Windows has no O_NOFOLLOW; links there need privileges to make).
  const noFollow = followLinks ? 0 : constants.O_NOFOLLOW ?? 0;
  const fh = await fs.open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | noFollow);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new MetadataError('not a regular file');
    let window = { pos: 0, buf: Buffer.alloc(0) };
    let budget = FILE_READ_BUDGET;
    const read = async (pos: number, length: number): Promise<Buffer> => {
      if (pos >= window.pos && pos + length <= window.pos + window.buf.length) return window.buf.subarray(pos - window.pos, pos - window.pos + length);
      const want = Math.max(0, Math.min(Math.max(length, WINDOW), st.size - pos, budget));
      budget -= want;
      const buf = Buffer.alloc(want);
      const { bytesRead } = want > 0 ? await fh.read(buf, 0, want, pos) : { bytesRead: 0 };
      window = { pos, buf: buf.subarray(0, bytesRead) };
      return window.buf.subarray(0, Math.min(length, bytesRead));
    };
    return await body({ size: st.size, read });
  } finally {
    await fh.close();
  }
}

async function pngText(src: ByteSource, options: PngTextOptions): Promise<PngTextResult> {
  const text = new PngTextCollector(options);
  let pos = 8;
  for (let n = 0; n < PNG_MAX_CHUNKS && pos + 12 <= src.size; n++) {
    const head = await src.read(pos, 8 + 80);
    if (head.length < 8) break;
    const len = head.readUInt32BE(0);
    const type = head.toString('latin1', 4, 8);
    const end = pos + 12 + len;
    if (end > src.size || type === 'IEND') break;
    const keyword = PngTextCollector.isText(type) ? pngTextKeyword(head.subarray(8, 8 + Math.min(len, 80))) : undefined;
    if (keyword !== undefined && text.take(keyword, len)) {
      const body = await src.read(pos + 8, len + 4);
      if (body.length === len + 4) text.add(type, body.subarray(0, len), body.readUInt32BE(len));
    }
    pos = end;
  }
  return text.result();
}

/** The EXIF chunk of a WebP (RIFF: FourCC, little-endian size, data padded to even). */
async function webpExif(src: ByteSource): Promise<Buffer | undefined> {
  let pos = 12;
  for (let n = 0; n < MAX_SEGMENTS && pos + 8 <= src.size; n++) {
    const head = await src.read(pos, 8);
    if (head.length < 8) break;
    const size = head.readUInt32LE(4);
    if (head.toString('latin1', 0, 4) === 'EXIF') return size <= EXIF_MAX_BYTES ? src.read(pos + 8, size) : undefined;
    pos += 8 + size + (size & 1);
  }
  return undefined;
}

/** The EXIF APP1 segment of a JPEG, looked for in the segments before the image data (SOS). */
async function jpegExif(src: ByteSource): Promise<Buffer | undefined> {
  let pos = 2;
  for (let n = 0; n < MAX_SEGMENTS && pos + 4 <= src.size; n++) {
    const head = await src.read(pos, 10);
    if (head.length < 4 || head[0] !== 0xff) break;
    const marker = head[1];
    if (marker === 0xff) { pos++; continue; } // fill byte
    if (marker === 0xd9 || marker === 0xda) break; // end of image, start of scan
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) { pos += 2; continue; } // no length
    const len = head.readUInt16BE(2);
    if (len < 2) break;
    if (marker === 0xe1 && head.toString('latin1', 4, 10) === 'Exif\0\0') return src.read(pos + 10, len - 8);
    pos += 2 + len;
  }
  return undefined;
}

function formatOf(magic: Buffer): ImageFormat | undefined {
  if (magic.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (magic.toString('latin1', 0, 4) === 'RIFF' && magic.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (magic[0] === 0xff && magic[1] === 0xd8 && magic[2] === 0xff) return 'jpeg';
  return undefined;
}

/** The text of a PNG, WebP or JPEG, told apart by content (not by name). */
export async function readImageText(src: ByteSource, options: PngTextOptions = {}): Promise<ImageText> {
  const format = formatOf(await src.read(0, 12));
  if (!format) throw new MetadataError('not a PNG, WebP or JPEG file');
  if (format === 'png') return { format, ...(await pngText(src, options)) };
  const exif = await (format === 'webp' ? webpExif(src) : jpegExif(src));
  const text: Record<string, string> = exif ? { ...readExifText(exif) } : {};
  return { format, text, skipped: [] };
}

/** Where each format keeps the parameters text: A1111 writes EXIF UserComment, we ImageDescription. */
const PARAMETER_FIELDS: Record<ImageFormat, string[]> = { png: [PARAMETERS_KEY], webp: ['UserComment', 'ImageDescription'], jpeg: ['UserComment', 'ImageDescription'] };

export interface ParametersRead {
  format: ImageFormat;
  /** The parameters text as stored. */
  text: string;
  parameters: ImageParameters;
}

/**
 * The generation parameters an image carries. Throws MetadataError (not an image, no parameters,
 * with why a parameters chunk was skipped), NotParametersError (text that is not parameters), or
 * the file system's error.
 */
export async function readParameters(src: ByteSource): Promise<ParametersRead> {
  const found = await readImageText(src, { keywords: [PARAMETERS_KEY] });
  const texts = PARAMETER_FIELDS[found.format].map((k) => found.text[k]).filter((t): t is string => !!t);
  let firstError: unknown;
  for (const text of texts) {
    try {
      return { format: found.format, text, parameters: fromParameters(text) };
    } catch (err) {
      firstError ??= err;
    }
  }
  if (firstError) throw firstError;
  const skipped = found.skipped[0];
  if (skipped) throw new MetadataError(`the "${skipped.keyword}" text chunk cannot be read: ${skipped.reason}`);
  const where = found.format === 'png' ? `"${PARAMETERS_KEY}" text chunk` : 'EXIF UserComment or ImageDescription';
  throw new MetadataError(`no generation parameters (no ${where})`);
}

/** readParameters on a file. */
export function readFileParameters(file: string, options?: OpenOptions): Promise<ParametersRead> {
  return withFileSource(file, readParameters, options);
}
