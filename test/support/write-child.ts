// A process that writes one large file and is killed mid-write by the saving tests:
//   node --import tsx write-child.ts <save|cli> <folder> <MiB>
// `save` goes through the extension's saveUnique, `cli` through the CLI's writeFileAtomic.
import { join } from 'node:path';
import { saveUnique } from '../../src/extension/asset-store';
import { writeFileAtomic } from '../../src/image/atomic-write';

const [mode, folder, mib] = process.argv.slice(2);
const bytes = new Uint8Array(Number(mib) * 1024 * 1024).fill(7);
if (mode === 'cli') writeFileAtomic(join(folder, 'big.png'), bytes);
else void saveUnique(folder, 'big.png', bytes);
