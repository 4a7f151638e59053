// The local hub's file bodies: Range/206 (and 416), and the faults a test injects per file —
// close the connection before answering, cut it after N bytes, flip a byte (damaged bytes), or hold the transfer at byte N
// until the test releases it (or cuts it there). Bytes are counted as they are handed to the socket.
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HostedFile } from './hub-repo';

export interface Hold {
  at: number;
  reached: () => void;
  /** Resolves true to cut the connection there instead of going on. */
  released: Promise<boolean>;
}

/** Faults keyed by `repo/path`; each is used once (corrupt and drop: as many times as their count). */
export interface Faults {
  cut: Map<string, number>;
  /** Answer a Range request with the whole file (200), as a server without ranges does, this many times. */
  noRange: Map<string, number>;
  /** Close the connection before answering, this many times (after a pending cut has happened). */
  drop: Map<string, number>;
  corrupt: Map<string, number>;
  hold: Map<string, Hold>;
}

/** `bytes=S-`, `bytes=S-E`, `bytes=-N` → [start, end] inclusive; 'unsatisfiable' beyond the end; undefined without a Range. */
export function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header ?? '');
  if (!m || (!m[1] && !m[2])) return undefined;
  const [start, end] = m[1] ? [Number(m[1]), m[2] ? Math.min(Number(m[2]), size - 1) : size - 1] : [Math.max(0, size - Number(m[2])), size - 1];
  return start >= size || start > end ? 'unsatisfiable' : [start, end];
}

async function* chunks(f: HostedFile, start: number, end: number): AsyncGenerator<Buffer> {
  if (f.bytes) {
    for (let p = start; p <= end; p += 65536) yield f.bytes.subarray(p, Math.min(p + 65536, end + 1));
    return;
  }
  for await (const c of createReadStream(f.file as string, { start, end, highWaterMark: 1 << 20 })) yield c as Buffer;
}

/** Writes `c`, waiting for the socket when it is full; false when the client has gone. */
async function write(res: ServerResponse, c: Buffer, flush = false): Promise<boolean> {
  if (res.destroyed) return false;
  const accepted = flush ? await new Promise<boolean>((done) => res.write(c, (err) => done(!err))) : res.write(c);
  if (!accepted && !flush) {
    await new Promise<void>((done) => {
      const go = () => {
        res.off('drain', go);
        res.off('close', go);
        done();
      };
      res.on('drain', go);
      res.on('close', go);
    });
  }
  return !res.destroyed;
}

function takeFaults(faults: Faults, key: string, start: number, end: number) {
  const cut = faults.cut.get(key);
  const cutAt = cut !== undefined && cut > start && cut <= end ? cut : undefined;
  if (cutAt !== undefined) faults.cut.delete(key);
  const corrupt = (faults.corrupt.get(key) ?? 0) > 0;
  if (corrupt) faults.corrupt.set(key, (faults.corrupt.get(key) as number) - 1);
  const h = faults.hold.get(key);
  const hold = h && h.at >= start && h.at <= end ? h : undefined;
  if (hold) faults.hold.delete(key);
  return { cutAt, corrupt, hold };
}

export async function sendFile(req: IncomingMessage, res: ServerResponse, f: HostedFile, headers: Record<string, string>, key: string, faults: Faults, count: (n: number) => void): Promise<void> {
  const drops = faults.drop.get(key) ?? 0;
  if (drops > 0 && !faults.cut.has(key)) {
    faults.drop.set(key, drops - 1);
    req.socket.destroy();
    return;
  }
  const noRange = (faults.noRange.get(key) ?? 0) > 0 && !!req.headers.range;
  if (noRange) faults.noRange.set(key, (faults.noRange.get(key) as number) - 1);
  const range = noRange ? undefined : parseRange(req.headers.range, f.size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { 'content-range': `bytes */${f.size}` }).end();
    return;
  }
  const [start, end] = range ?? [0, f.size - 1];
  res.writeHead(range ? 206 : 200, { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(end - start + 1), ...(range ? { 'content-range': `bytes ${start}-${end}/${f.size}` } : {}) });
  if (req.method === 'HEAD' || f.size === 0) {
    res.end();
    return;
  }
  const { cutAt, corrupt, hold } = takeFaults(faults, key, start, end);
  const damaged = Math.floor(f.size / 2);
  let pos = start;
  const send = async (c: Buffer, flush = false) => {
    if (!(await write(res, c, flush))) return false;
    count(c.length);
    pos += c.length;
    return true;
  };
  for await (let c of chunks(f, start, end)) {
    if (corrupt && damaged >= pos && damaged < pos + c.length) {
      c = Buffer.from(c);
      c[damaged - pos] ^= 0xff;
    }
    if (hold && hold.at >= pos && hold.at < pos + c.length) {
      const head = hold.at - pos;
      if (!(await send(c.subarray(0, head), true))) return;
      hold.reached();
      const cut = await hold.released;
      if (cut) res.socket?.destroy();
      if (res.destroyed || cut) return;
      c = c.subarray(head);
    }
    if (cutAt !== undefined && cutAt > pos && cutAt <= pos + c.length) {
      await send(c.subarray(0, cutAt - pos), true);
      res.socket?.destroy();
      return;
    }
    if (!(await send(c))) return;
  }
  res.end();
}
