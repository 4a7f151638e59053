// Download throughput against the local hub: the tiny checkpoint with its transformer replaced by
// a generated file of N MB (500 by default), served by a hub in a child process (so the server
// does not share the downloader's thread), fetched by downloadSnapshot into a fresh cache.
// Prints MB/s for the download (with sha256 checking), and for the bare transfer (fetch, bytes
// discarded) and the sha256 alone, to show where the time goes.
//   node --import tsx test/support/hub-throughput.ts [MB]
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { downloadSnapshot } from '../../src/hub';
import { HubServer } from './hub-server';
import { tinyPixArtRepo } from './hub-repo';

const REPO = 'bench/pixart';
const BIG = 'transformer/diffusion_pytorch_model.safetensors';

function writeRandomFile(file: string, mb: number): void {
  const fd = openSync(file, 'w');
  for (let i = 0; i < mb; i++) writeSync(fd, randomBytes(1 << 20));
  closeSync(fd);
}

async function serve(file: string): Promise<void> {
  const repo = tinyPixArtRepo(REPO);
  repo.files = repo.files.filter((f) => f.path !== BIG).concat([{ path: BIG, file }]);
  const server = await HubServer.start([repo]);
  console.log(server.endpoint);
}

async function timed<T>(body: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await body();
  return [r, (performance.now() - t0) / 1000];
}

async function bareFetch(url: string): Promise<number> {
  let n = 0;
  const reader = ((await fetch(url)).body as ReadableStream<Uint8Array>).getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) n += r.value.length;
  return n;
}

async function sha256Only(file: string): Promise<void> {
  const h = createHash('sha256');
  for await (const c of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
  h.digest();
}

async function measure(mb: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pixart-throughput-'));
  const file = join(dir, 'big.bin');
  writeRandomFile(file, mb);
  const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--serve', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const endpoint = await new Promise<string>((done) => createInterface({ input: child.stdout }).once('line', done));
  try {
    const [, secs] = await timed(() => downloadSnapshot({ repo: REPO, endpoint, cacheDir: join(dir, 'cache'), env: {} }));
    const [, bare] = await timed(() => bareFetch(`${endpoint}/${REPO}/resolve/main/${BIG}`));
    const [, hash] = await timed(() => sha256Only(file));
    const rate = (s: number) => `${(mb * 1.048576 / s).toFixed(0)} MB/s`;
    console.log(JSON.stringify({ sizeMB: +(mb * 1.048576).toFixed(1), downloadSnapshot: { seconds: +secs.toFixed(2), rate: rate(secs) }, bareFetch: rate(bare), sha256Only: rate(hash) }));
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') void serve(process.argv[3]);
else void measure(Number(process.argv[2] ?? 500));
