// What the generator view's gallery shows: the output folder's images (newest first, with their
// parameters), listed again whenever the folder or its files change, and turned into GalleryItems
// with the URIs the webview may load.

import * as vscode from 'vscode';
import type { GalleryItem } from '../protocol/messages';
import type { StoredImage } from './asset-store';
import { Gallery } from './image-reader';
import type { OutputFolder } from './output-folder';
import type { Log } from './log';

const GALLERY_LIMIT = 120;

export type GalleryListener = (images: StoredImage[], folder: string | undefined) => void;

export class GalleryFeed {
  private readonly gallery = new Gallery();
  private listener: GalleryListener | undefined;

  constructor(private readonly output: OutputFolder, private readonly log: Log) {}

  /** The images in the output folder (none when there is no folder yet or it cannot be read). */
  async images(): Promise<StoredImage[]> {
    const folder = await this.output.resolve(false);
    if (!folder) return [];
    try {
      return await this.gallery.list(folder, GALLERY_LIMIT);
    } catch (err) {
      this.log.warn(`cannot list ${folder}: ${err instanceof Error ? err.message : String(err)}`);
      return [];
    }
  }

  /** The view registers here to receive gallery contents (it owns the webview URIs). */
  setListener(listener: GalleryListener): void {
    this.listener = listener;
  }

  async refresh(): Promise<void> {
    if (!this.listener) return;
    const folder = await this.output.resolve(false);
    this.listener(await this.images(), folder);
  }
}

/** Turns stored images into gallery items; `toSrc` maps a file path to a webview URI. */
export function galleryItems(images: StoredImage[], toSrc: (p: string) => string): GalleryItem[] {
  return images.map((i) => ({
    file: i.file,
    src: toSrc(i.path),
    fileUri: vscode.Uri.file(i.path).toString(),
    mtimeMs: i.mtimeMs,
    ...(i.parameters ? { parameters: i.parameters } : {}),
  }));
}
