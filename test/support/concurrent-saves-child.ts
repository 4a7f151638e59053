// 300 concurrent saves of one name through the default fs.link, then a save onto a dangling
// symlink; prints what landed as JSON. The saving tests run it under `strace -e inject=link…`,
// which makes every link fail with EPERM as on a FAT drive.
import { lstatSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { saveUnique } from '../../src/extension/asset-store';

const folder = process.argv[2];
void (async () => {
  const saved = await Promise.all(Array.from({ length: 300 }, (_, i) => saveUnique(folder, 'same.png', new Uint8Array([i >> 8, i & 255]))));
  const names = readdirSync(folder);
  const images = new Set(names.map((n) => readFileSync(path.join(folder, n)).readUInt16BE(0))).size;
  symlinkSync(path.join(folder, 'nowhere.png'), path.join(folder, 'link.png'));
  const ontoLink = path.basename(await saveUnique(folder, 'link.png', new Uint8Array([1])));
  const linkKept = lstatSync(path.join(folder, 'link.png')).isSymbolicLink();
  process.stdout.write(JSON.stringify({ saved: new Set(saved).size, files: names.length, images, ontoLink, linkKept }));
})();
