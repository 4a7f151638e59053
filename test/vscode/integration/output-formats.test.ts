// The WebP/JPEG output formats (pixart.imageFormat) in the real VS Code extension host: the file's
// signature, its generation parameters in EXIF, and Reuse reading them back; and Reuse of other
// tools' files (A1111's JPEG, ComfyUI's PNG and WebP). Real worker, real sharp, the tiny model.

import * as assert from 'node:assert/strict';
import { before, describe, it } from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Controller } from '../../../src/extension/controller';
import type { GalleryActions } from '../../../src/extension/gallery-actions';
import type { HostToWebview } from '../../../src/protocol/messages';
import { encodeImage, jpegWithExif, webpWithExif } from '../../../src/image/encode';
import { encodePng } from '../../../src/image/png';
import { fromParameters } from '../../../src/image/parameters';
import { exifImageDescription, exifOf } from './exif';
import { outputDir } from './helpers';
import { generate, readyExtension, withSetting } from './jobs';
import { log } from './log';
import { params } from './params';

let controller: Controller;
let actions: GalleryActions;

/** What Reuse puts into the generator form for `file` (undefined: it said the file carries no parameters). */
async function reusedForm(file: string): Promise<unknown> {
  const posted: HostToWebview[] = [];
  const sub = controller.onPost((m) => posted.push(m));
  try {
    await actions.run('reuse', file);
  } finally {
    sub.dispose();
  }
  return posted.find((m): m is Extract<HostToWebview, { type: 'setForm' }> => m.type === 'setForm')?.params;
}

describe('output formats in a real VS Code', () => {
  before(async function () {
    this.timeout(120_000);
    ({ controller, actions } = await readyExtension());
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
          assert.deepEqual((await controller.gallery.images()).find((i) => i.path === file)?.parameters?.seed, '314', 'the gallery lists it with its parameters');
          assert.deepEqual(await reusedForm(file), { prompt, negativePrompt: '', seed: '314', steps: 3, guidanceScale: 0, width: 128, height: 128 }, 'Reuse reads it back');
          log(`${c.format}: ${path.basename(file)}, ${bytes.length} bytes`);
        });
        assert.equal(controller.currentSettings.imageFormat, 'png', 'the setting is restored');
      });
    }
  });

  describe("other tools' files", () => {
    // Written here as those tools lay them out: A1111's JPEG (EXIF UserComment, UTF-16), ComfyUI's
    // PNG (its API graph in a `prompt` text chunk) and WebP (EXIF Model "prompt:{…}"); the graph is
    // hand-written in ComfyUI's API format.
    const graph = (seed: number) => ({
      '3': { class_type: 'KSampler', inputs: { seed, steps: 6, cfg: 3.5, sampler_name: 'euler', scheduler: 'normal', model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] } },
      '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'model.safetensors' } },
      '5': { class_type: 'EmptyLatentImage', inputs: { width: 128, height: 128, batch_size: 1 } },
      '6': { class_type: 'CLIPTextEncode', inputs: { text: 'a harbour at dawn', clip: ['4', 1] } },
      '7': { class_type: 'CLIPTextEncode', inputs: { text: 'people', clip: ['4', 1] } },
    });
    const rgb = new Uint8Array(8 * 8 * 3).fill(90);
    const form = (seed: string, steps: number, guidanceScale: number) => ({ prompt: 'a harbour at dawn', negativePrompt: 'people', seed, steps, guidanceScale, width: 128, height: 128 });

    it('Reuse reads an A1111 JPEG, a ComfyUI PNG and a ComfyUI WebP in the output folder', async () => {
      fs.mkdirSync(outputDir(), { recursive: true });
      const a1111 = 'a harbour at dawn\nNegative prompt: people\nSteps: 25, Sampler: DPM++ 2M, CFG scale: 7, Seed: 1234, Size: 128x128, Model: sd15';
      const jpegFile = path.join(outputDir(), 'a1111.jpg');
      const plainJpeg = Buffer.from(await encodeImage({ rgb, width: 8, height: 8, parameters: 'x' }, 'jpeg'));
      // An A1111 file has UserComment only; jpegWithExif writes exactly that when no ImageDescription is given.
      fs.writeFileSync(jpegFile, jpegWithExif(stripExif(plainJpeg), { UserComment: a1111 }));
      const pngFile = path.join(outputDir(), 'comfyui.png');
      fs.writeFileSync(pngFile, encodePng(rgb, 8, 8, { prompt: JSON.stringify(graph(42)) }));
      const webpFile = path.join(outputDir(), 'comfyui.webp');
      const plainWebp = Buffer.from(await encodeImage({ rgb, width: 8, height: 8, parameters: 'x' }, 'webp'));
      fs.writeFileSync(webpFile, webpWithExif(plainWebp, exifModel(`prompt:${JSON.stringify(graph(43))}`), { width: 8, height: 8 }));
      try {
        assert.deepEqual(await reusedForm(jpegFile), form('1234', 25, 7), 'A1111 JPEG');
        assert.deepEqual(await reusedForm(pngFile), form('42', 6, 3.5), 'ComfyUI PNG');
        assert.deepEqual(await reusedForm(webpFile), form('43', 6, 3.5), 'ComfyUI WebP');
      } finally {
        for (const f of [jpegFile, pngFile, webpFile]) fs.rmSync(f, { force: true });
      }
    });
  });
});

/** The JPEG without the APP1 EXIF segment our encoder put after its JFIF header. */
function stripExif(jpeg: Buffer): Buffer {
  const at = jpeg[3] === 0xe0 ? 4 + jpeg.readUInt16BE(4) : 2;
  if (jpeg[at] !== 0xff || jpeg[at + 1] !== 0xe1) return jpeg;
  return Buffer.concat([jpeg.subarray(0, at), jpeg.subarray(at + 2 + jpeg.readUInt16BE(at + 2))]);
}

/** EXIF (big-endian TIFF) whose IFD0 holds only Model (0x0110, ASCII): where ComfyUI's WebP keeps its API graph. */
function exifModel(text: string): Buffer {
  const value = Buffer.from(`${text}\0`, 'latin1');
  const tiff = Buffer.alloc(8 + 18);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4);
  tiff.writeUInt16BE(1, 8);
  tiff.writeUInt16BE(0x0110, 10);
  tiff.writeUInt16BE(2, 12);
  tiff.writeUInt32BE(value.length, 14);
  tiff.writeUInt32BE(26, 18);
  return Buffer.concat([tiff, value]);
}
