// Images a job made but could not save (a full or read-only disk, an output folder that changed):
// their bytes are kept, and the error notification offers Save As…, so nothing is regenerated.
// The bytes go when they are saved, when the user closes the notification, or when more than
// MAX_JOBS jobs are waiting (the oldest go first).

import * as vscode from 'vscode';
import * as os from 'node:os';
import * as path from 'node:path';
import { saveImageAs, type ImageToSave } from './asset-store';
import type { Log } from './log';

const MAX_JOBS = 8;
const SAVE_AS = 'Save As…';
const SHOW_LOG = 'Show Log';

export class UnsavedImages {
  private readonly held = new Map<string, ImageToSave[]>();

  constructor(private readonly log: Log) {}

  /** Jobs whose images are held (for the tests). */
  get jobs(): string[] {
    return [...this.held.keys()];
  }

  /** Keeps `images` of `jobId` and shows `message` with Save As…. */
  offer(jobId: string, message: string, images: ImageToSave[]): void {
    this.held.set(jobId, images);
    for (const old of [...this.held.keys()].slice(0, Math.max(0, this.held.size - MAX_JOBS))) {
      this.held.delete(old);
      this.log.warn(`${old}: its unsaved images were dropped (more than ${MAX_JOBS} jobs waited to be saved)`);
    }
    this.notify(jobId, message);
  }

  private notify(jobId: string, message: string): void {
    const n = this.held.get(jobId)?.length ?? 0;
    if (!n) return;
    const what = n === 1 ? 'The image is kept' : `${n} images are kept`;
    void vscode.window.showErrorMessage(`PixArt: ${message} ${what}: save ${n === 1 ? 'it' : 'them'} elsewhere with ${SAVE_AS}`, SAVE_AS, SHOW_LOG).then(async (pick) => {
      if (pick === SAVE_AS) await this.saveAs(jobId);
      else if (pick === SHOW_LOG) {
        this.log.show();
        this.notify(jobId, message);
      } else this.held.delete(jobId); // closed: the user let them go
    });
  }

  /** Asks where to save each held image of `jobId` and writes it; what is left unsaved is offered again. */
  async saveAs(jobId: string): Promise<void> {
    const images = this.held.get(jobId) ?? [];
    let failure: string | undefined;
    for (const [i, img] of [...images].entries()) {
      const target = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.file(path.join(os.homedir(), img.name)),
        filters: { Images: [path.extname(img.name).slice(1)] },
        title: images.length > 1 ? `PixArt: save image ${i + 1} of ${images.length} as` : 'PixArt: save the generated image as',
      });
      if (!target) break;
      try {
        saveImageAs(target.fsPath, img.bytes);
        images.splice(images.indexOf(img), 1);
        this.log.info(`${jobId}: saved ${target.fsPath}`);
      } catch (err) {
        failure = err instanceof Error ? err.message : String(err);
        break;
      }
    }
    if (!images.length) this.held.delete(jobId);
    else this.notify(jobId, failure ?? `${images.length === 1 ? 'An image' : `${images.length} images`} of ${jobId} ${images.length === 1 ? 'is' : 'are'} not saved yet.`);
  }
}
