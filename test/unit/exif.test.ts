// The EXIF we write into WebP and JPEG files: UserComment as AUTOMATIC1111 writes it (UNICODE,
// UTF-16BE in a big-endian TIFF) and ImageDescription (UTF-8), so that a prompt in any script
// (日本語, emoji) comes back exactly; sharp alone wrote both as ASCII and turned them into "?".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { encodeImage } from '../../src/image/encode';
import { readExifText, writeExifText } from '../../src/image/exif';
import { readFileParameters } from '../../src/image/read-metadata';
import { toParameters } from '../../src/image/parameters';
import { exifUserComment } from '../support/crafted-images';

const dir = mkdtempSync(path.join(tmpdir(), 'pixart-exif-'));
const config = { prompt: '富士山と桜 🌸🗻, ukiyo-e', negativePrompt: 'ぼやけ 😶‍🌫️', seed: '42', steps: 4, guidanceScale: 0, width: 8, height: 6, sampler: 'LCM', model: 'PixArt-LCM-XL-2-1024-MS' };
const parameters = toParameters(config);

test('UserComment alone is byte for byte the layout AUTOMATIC1111 (piexif) writes', () => {
  const text = 'masterpiece, 日本の城 🏯\nSteps: 20, Seed: 1';
  assert.ok(writeExifText({ UserComment: text }).equals(exifUserComment(text).subarray('Exif\0\0'.length)));
});

for (const format of ['webp', 'jpeg'] as const) {
  test(`${format}: a prompt in Japanese with emoji comes back exactly, from UserComment and ImageDescription`, async () => {
    const rgb = Uint8Array.from({ length: 8 * 6 * 3 }, (_, i) => (i * 37) % 256);
    const bytes = await encodeImage({ rgb, width: 8, height: 6, parameters }, format);
    const file = path.join(dir, `fuji.${format}`);
    writeFileSync(file, bytes);
    const read = await readFileParameters(file);
    assert.equal(read.text, parameters);
    assert.equal(read.parameters.prompt, config.prompt);
    assert.equal(read.parameters.negativePrompt, config.negativePrompt);
    // The UserComment's value as its own definition gives it, found in the file.
    const comment = Buffer.concat([Buffer.from('UNICODE\0', 'latin1'), Buffer.from(parameters, 'utf16le').swap16()]);
    assert.ok(Buffer.from(bytes).includes(comment), 'UNICODE + UTF-16BE UserComment in the file');
    assert.ok(Buffer.from(bytes).includes(Buffer.from(parameters, 'utf8')), 'UTF-8 ImageDescription in the file');
    // libvips still decodes the file and finds the EXIF where the format keeps it.
    const meta = await sharp(bytes).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], [format, 8, 6]);
    assert.ok(meta.exif && readExifText(meta.exif).UserComment === parameters, 'libvips finds the same EXIF');
    assert.equal((await sharp(bytes).raw().toBuffer()).length, 8 * 6 * 3);
  });
}

test('UTF-16 without ASCII is read in the TIFF\'s byte order, or a BOM\'s', () => {
  const little = Buffer.from('日本語', 'utf16le');
  // The same structure in little-endian order, by hand: IFD0 → Exif IFD → UserComment at 44.
  const le = Buffer.alloc(44 + 8 + little.length);
  le.write('II', 0, 'latin1');
  le.writeUInt16LE(42, 2);
  le.writeUInt32LE(8, 4);
  le.writeUInt16LE(1, 8);
  le.writeUInt16LE(0x8769, 10);
  le.writeUInt16LE(4, 12);
  le.writeUInt32LE(1, 14);
  le.writeUInt32LE(26, 18);
  le.writeUInt16LE(1, 26);
  le.writeUInt16LE(0x9286, 28);
  le.writeUInt16LE(7, 30);
  le.writeUInt32LE(8 + little.length, 32);
  le.writeUInt32LE(44, 36);
  le.write('UNICODE\0', 44, 'latin1');
  little.copy(le, 52);
  assert.equal(readExifText(le).UserComment, '日本語');
  assert.equal(readExifText(writeExifText({ UserComment: '' })).UserComment, '');
  const bom = Buffer.from(exifUserComment('x'));
  const withBom = Buffer.concat([bom.subarray(0, bom.length - 2), Buffer.from([0xff, 0xfe]), Buffer.from('本', 'utf16le')]);
  withBom.writeUInt32BE(8 + 4, 6 + 32); // the comment's count
  assert.equal(readExifText(withBom).UserComment, '本');
});
