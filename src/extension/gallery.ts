// What the generator view's gallery shows: the output folder's images, newest first, a page at a
// time (the first GALLERY_PAGE, then as many more as the user asks for), with how many there are
// in all, listed again whenever the folder or its files change; and every image for the pickers.

import type { GalleryItem } from '../protocol/messages';
import type { StoredImage } from './asset-store';
import { Gallery } from './image-reader';
import type { OutputFolder } from './output-folder';
import type { Log } from './log';

/** Images per page of the sidebar gallery: its tiles stay cheap to render, "Show more" adds a page. */
export const GALLERY_PAGE = 100;

/** What the gallery shows now: the newest `images` (parameters read), of `total` in `folder`. */
export interface GalleryPage {
  images: StoredImage[];
  total: number;
  folder: string | undefined;
}

export type GalleryListener = (page: GalleryPage) => void;

export class GalleryFeed {
  private listener: GalleryListener | undefined;
  /** How many images the sidebar shows (grows with "Show more"; a new output folder starts again). */
  private shown = GALLERY_PAGE;
  private shownFolder: string | undefined;

  /** `gallery`: the reader and its cache (one of its own, with a cold cache, for the tests' measurements). */
  constructor(private readonly output: OutputFolder, private readonly log: Log, private readonly gallery = new Gallery()) {}

  /** Every image in the output folder, newest first, with the parameters read so far (none when there is no folder yet or it cannot be read). */
  async listing(): Promise<StoredImage[]> {
    const folder = await this.output.resolve(false);
    return folder ? this.filesIn(folder) : [];
  }

  private async filesIn(folder: string): Promise<StoredImage[]> {
    try {
      return await this.gallery.files(folder);
    } catch (err) {
      this.log.warn(`cannot list ${folder}: ${err instanceof Error ? err.message : String(err)}`);
      return [];
    }
  }

  /** Reads the parameters of `images` not read yet (off the host's thread; cached). */
  withParameters(images: StoredImage[]): Promise<StoredImage[]> {
    return this.gallery.withParameters(images);
  }

  /** Every image in the output folder with its parameters. */
  async images(): Promise<StoredImage[]> {
    return this.withParameters(await this.listing());
  }

  /** The page the sidebar shows. */
  async page(): Promise<GalleryPage> {
    const folder = await this.output.resolve(false);
    if (folder !== this.shownFolder) {
      this.shownFolder = folder;
      this.shown = GALLERY_PAGE;
    }
    const all = folder ? await this.filesIn(folder) : [];
    return { images: await this.withParameters(all.slice(0, this.shown)), total: all.length, folder };
  }

  /** The view registers here to receive gallery contents (it owns the webview URIs). */
  setListener(listener: GalleryListener): void {
    this.listener = listener;
  }

  /** One more page in the sidebar. */
  async showMore(): Promise<void> {
    this.shown += GALLERY_PAGE;
    await this.refresh();
  }

  async refresh(): Promise<void> {
    if (!this.listener) return;
    this.listener(await this.page());
  }
}

/** Turns stored images into gallery items; `toSrc` maps a file path to a webview URI. */
export function galleryItems(images: StoredImage[], toSrc: (p: string) => string): GalleryItem[] {
  return images.map((i) => ({
    file: i.file,
    src: toSrc(i.path),
    mtimeMs: i.mtimeMs,
    ...(i.parameters ? { parameters: i.parameters } : {}),
  }));
}
