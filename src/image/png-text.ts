// Decoding PNG text chunks (tEXt, zTXt, iTXt) from files that may be hostile: every chunk is
// checked (CRC, keyword, compression) and bounded (stored size, inflated size, text per file),
// and one bad chunk is skipped without losing the others. Shared by the in-memory reader
// (png.ts) and the file reader (read-metadata.ts), which hands over only the chunks it read.
import { crc32, inflateSync } from 'node:zlib';

export const PNG_TEXT_LIMITS = {
  /** A text chunk's stored (maybe compressed) size; larger ones are not read. */
  chunkBytes: 2 * 1024 * 1024,
  /** One chunk's text after inflating: a decompression bomb stops here. */
  inflatedBytes: 1024 * 1024,
  /** All text of one file; an inflate that hits its limit counts in full. */
  totalBytes: 8 * 1024 * 1024,
  /** All text chunks' stored bytes read from one file. */
  storedBytes: 16 * 1024 * 1024,
} as const;

export interface PngTextOptions {
  /** Only these keywords are decoded (others are not inflated at all). */
  keywords?: readonly string[];
}

export interface PngTextResult {
  text: Record<string, string>;
  /** Chunks that were left out, with the reason (for messages such as `pixart info`'s). */
  skipped: { keyword: string; reason: string }[];
}

const TEXT_TYPES = new Set(['tEXt', 'zTXt', 'iTXt']);

/** The keyword in front of a text chunk's data (1–79 Latin-1 bytes, then NUL), or undefined. */
export function pngTextKeyword(data: Buffer): string | undefined {
  const z = data.subarray(0, 80).indexOf(0);
  return z >= 1 ? data.toString('latin1', 0, z) : undefined;
}

export class PngTextCollector {
  private readonly text: Record<string, string> = {};
  private readonly skipped: PngTextResult['skipped'] = [];
  private budget: number = PNG_TEXT_LIMITS.totalBytes;
  private stored = 0;

  constructor(private readonly options: PngTextOptions = {}) {}

  static isText(type: string): boolean {
    return TEXT_TYPES.has(type);
  }

  /**
   * Whether to read a chunk with this keyword and stored size: only wanted keywords, each chunk
   * at most `chunkBytes`, and all of them together at most `storedBytes` (refusals are noted).
   */
  take(keyword: string, storedBytes: number): boolean {
    if (this.options.keywords && !this.options.keywords.includes(keyword)) return false;
    if (storedBytes > PNG_TEXT_LIMITS.chunkBytes) return this.skip(keyword, `chunk of ${storedBytes} bytes is larger than ${PNG_TEXT_LIMITS.chunkBytes}`);
    if (this.stored + storedBytes > PNG_TEXT_LIMITS.storedBytes || this.budget <= 0) return this.skip(keyword, 'the file holds too much text');
    this.stored += storedBytes;
    return true;
  }

  /** One taken text chunk: its type, its data (keyword onwards) and the CRC stored after it. */
  add(type: string, data: Buffer, crc: number): void {
    const keyword = pngTextKeyword(data);
    if (keyword === undefined) return;
    if (crc32(data, crc32(type)) >>> 0 !== crc >>> 0) return void this.skip(keyword, 'CRC mismatch (damaged chunk)');
    try {
      const value = this.decode(type, data.subarray(keyword.length + 1));
      Object.defineProperty(this.text, keyword, { value, enumerable: true, writable: true, configurable: true });
    } catch (err) {
      this.skip(keyword, err instanceof Error ? err.message : String(err));
    }
  }

  /** The in-memory path: take, then add. */
  addChunk(type: string, data: Buffer, crc: number): void {
    const keyword = pngTextKeyword(data);
    if (keyword !== undefined && this.take(keyword, data.length)) this.add(type, data, crc);
  }

  private skip(keyword: string, reason: string): false {
    this.skipped.push({ keyword, reason });
    return false;
  }

  result(): PngTextResult {
    return { text: this.text, skipped: this.skipped };
  }

  /** The text after the keyword's NUL: tEXt Latin-1, zTXt deflated Latin-1, iTXt UTF-8 (maybe deflated). */
  private decode(type: string, rest: Buffer): string {
    if (type === 'tEXt') {
      this.budget -= rest.length;
      return rest.toString('latin1');
    }
    if (type === 'zTXt') {
      if (rest[0] !== 0) throw new Error(`unknown compression method ${rest[0]}`);
      return this.inflate(rest.subarray(1)).toString('latin1');
    }
    const [flag, method] = [rest[0], rest[1]];
    const langEnd = rest.indexOf(0, 2);
    const transEnd = langEnd < 0 ? -1 : rest.indexOf(0, langEnd + 1);
    if (transEnd < 0 || flag > 1 || (flag === 1 && method !== 0)) throw new Error('malformed iTXt chunk');
    const body = rest.subarray(transEnd + 1);
    if (flag === 0) this.budget -= body.length;
    return (flag === 1 ? this.inflate(body) : body).toString('utf8');
  }

  private inflate(data: Buffer): Buffer {
    const limit = Math.min(PNG_TEXT_LIMITS.inflatedBytes, this.budget);
    try {
      const out = inflateSync(data, { maxOutputLength: limit });
      this.budget -= out.length;
      return out;
    } catch (err) {
      const tooLarge = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      if (tooLarge) this.budget -= limit;
      throw new Error(tooLarge ? `text inflates beyond ${limit} bytes` : `cannot inflate: ${(err as Error).message}`);
    }
  }
}
