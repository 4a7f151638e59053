// The WebP/JPEG output formats (pixart.imageFormat) in the real VS Code extension host: the file's
// signature and its generation parameters in EXIF. Real worker, real sharp, the tiny model.

import * as assert from 'node:assert/strict';
import { before, describe, it } from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Controller } from '../../../src/extension/controller';
import { fromParameters } from '../../../src/image/parameters';
import { exifImageDescription, exifOf } from './exif';
import { outputDir } from './helpers';
import { generate, readyExtension, withSetting } from './jobs';
import { log } from './log';
import { params } from './params';

let controller: Controller;

describe('output formats in a real VS Code', () => {
  before(async function () {
    this.timeout(120_000);
    ({ controller } = await readyExtension());
  });

  // These caught a real bug: on Node 24 (the extension host here) sharp's buffers could not be
  // transferred to the host, so every WebP/JPEG job failed; src/image/encode.ts now copies them.
  describe('output formats (pixart.imageFormat)', () => {
    const cases = [
      { format: 'webp', ext: '.webp', magic: (b: Buffer) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP' },
      { format: 'jpeg', ext: '.jpg', magic: (b: Buffer) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
    ] as const;
    for (const c of cases) {
      it(`saves ${c.format.toUpperCase()} with the generation parameters in EXIF when set to "${c.format}"`, async function () {
        this.timeout(120_000);
        await withSetting(controller, 'imageFormat', c.format, async () => {
          const prompt = `a lighthouse at dusk in ${c.format}`;
          const file = await generate(controller, params({ prompt, seed: '314', steps: 3 }));
          assert.equal(path.extname(file), c.ext);
          assert.equal(path.dirname(file), outputDir());
          const bytes = fs.readFileSync(file);
          assert.ok(c.magic(bytes), `${path.basename(file)} starts with the ${c.format} signature (${bytes.subarray(0, 12).toString('hex')})`);
          const exif = exifOf(bytes, c.format);
          assert.ok(exif, 'the file has an EXIF block');
          const description = exifImageDescription(exif);
          assert.ok(description, 'EXIF ImageDescription is set');
          const p = fromParameters(description);
          assert.equal(p.prompt, prompt);
          assert.equal(p.seed, '314');
          assert.equal(p.steps, 3);
          assert.equal(p.width, 128);
          assert.equal(p.height, 128);
          assert.equal(p.sampler, 'LCM');
          assert.ok((await controller.gallery.images()).some((i) => i.path === file), 'the gallery lists it');
          log(`${c.format}: ${path.basename(file)}, ${bytes.length} bytes`);
        });
        assert.equal(controller.currentSettings.imageFormat, 'png', 'the setting is restored');
      });
    }
  });
});
