// Reading zip files (wheels, VSIXes) with yauzl, which @vscode/vsce brings along.
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createRequire } from 'node:module';

const yauzl = createRequire(import.meta.url)('yauzl');

function open(path) {
  return new Promise((resolve, reject) => yauzl.open(path, { lazyEntries: true, autoClose: true }, (e, z) => (e ? reject(e) : resolve(z))));
}

/**
 * Calls `onEntry({ name, size, read })` for each file entry in order; `read()` resolves with the
 * entry's bytes and `extractTo(file)` writes them to a file. Resolves when the last entry is done.
 */
export async function walkZip(path, onEntry) {
  const zip = await open(path);
  const stream = (entry) => new Promise((resolve, reject) => zip.openReadStream(entry, (e, s) => (e ? reject(e) : resolve(s))));
  await new Promise((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', resolve);
    zip.on('entry', async (entry) => {
      try {
        if (!entry.fileName.endsWith('/')) {
          await onEntry({
            name: entry.fileName,
            size: entry.uncompressedSize,
            read: async () => {
              const chunks = [];
              for await (const c of await stream(entry)) chunks.push(c);
              return Buffer.concat(chunks);
            },
            extractTo: async (file) => {
              mkdirSync(dirname(file), { recursive: true });
              await pipeline(await stream(entry), createWriteStream(file));
            },
          });
        }
        zip.readEntry();
      } catch (e) {
        zip.close();
        reject(e);
      }
    });
    zip.readEntry();
  });
}

/** The file entries of a zip: [{ name, size }]. */
export async function listZip(path) {
  const out = [];
  await walkZip(path, (e) => out.push({ name: e.name, size: e.size }));
  return out;
}
