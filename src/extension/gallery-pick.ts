// PixArt: Insert Image…'s picker: every image in the output folder, newest first, its prompt as the
// description (typing a prompt's words finds it). The picker shows at once, busy, before the folder
// is even listed; the files come in when the listing is done, and their prompts as the gallery's
// thread reads them a chunk at a time, so a folder of thousands neither delays it nor stalls the host.

import * as vscode from 'vscode';
import type { StoredImage } from './asset-store';
import type { GalleryFeed } from './gallery';

/** Files read between two updates of the list (each update redraws it). */
const READ_CHUNK = 256;
const TITLE = 'PixArt: Insert Image';

interface ImageItem extends vscode.QuickPickItem {
  path: string;
}

function itemOf(i: StoredImage): ImageItem {
  const p = i.parameters;
  const when = new Date(i.mtimeMs).toLocaleString();
  return {
    label: i.file,
    description: p?.prompt.replace(/\s+/g, ' ').slice(0, 120) ?? '',
    detail: p ? `seed ${p.seed} · ${p.width}×${p.height} · ${p.model} · ${when}` : when,
    iconPath: vscode.Uri.file(i.path),
    path: i.path,
  };
}

/** Redraws the list from `images`, keeping the highlighted item. */
function redraw(pick: vscode.QuickPick<ImageItem>, images: StoredImage[]): void {
  const active = pick.activeItems[0]?.path;
  pick.items = images.map(itemOf);
  const again = active === undefined ? undefined : pick.items.find((i) => i.path === active);
  if (again) pick.activeItems = [again];
}

/** Reads the parameters of `images` chunk by chunk, redrawing the picker after each chunk that found some, until it closes. */
async function fillIn(pick: vscode.QuickPick<ImageItem>, gallery: GalleryFeed, images: StoredImage[], closed: () => boolean): Promise<void> {
  for (let at = 0; at < images.length && !closed(); at += READ_CHUNK) {
    const chunk = images.slice(at, at + READ_CHUNK);
    const had = chunk.map((i) => i.parameters);
    await gallery.withParameters(chunk);
    if (!closed() && chunk.some((i, k) => i.parameters !== had[k])) redraw(pick, images);
  }
}

/** Puts the listing into the picker; returns it (empty when the picker closed first). */
function showListing(pick: vscode.QuickPick<ImageItem>, images: StoredImage[], closed: boolean): StoredImage[] {
  if (closed) return [];
  pick.title = `${TITLE} (${images.length})`;
  if (images.length === 0) {
    pick.placeholder = 'No generated images in the output folder yet: generate one first (PixArt: Generate Image)';
    return images;
  }
  pick.placeholder = 'Choose an image to insert at the cursor (type words of its prompt)';
  redraw(pick, images);
  return images;
}

export interface ImagePicker {
  readonly pick: vscode.QuickPick<ImageItem>;
  /** The path of the image picked; undefined when the picker was closed (or there is none). */
  readonly chosen: Promise<string | undefined>;
  /** The listing is in the picker: how many images. */
  readonly listed: Promise<number>;
  /** Every prompt is read (or the picker closed); the picker is no longer busy. */
  readonly filled: Promise<void>;
}

/** Shows the picker now, busy and empty, then lists the output folder into it and reads the prompts. */
export function openImagePicker(gallery: GalleryFeed): ImagePicker {
  const pick = vscode.window.createQuickPick<ImageItem>();
  pick.title = TITLE;
  pick.placeholder = 'Listing the output folder…';
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  pick.keepScrollPosition = true; // the list is redrawn as prompts come in
  pick.busy = true;
  let closed = false;
  const chosen = new Promise<string | undefined>((resolve) => {
    pick.onDidAccept(() => {
      const path = pick.selectedItems[0]?.path;
      if (!path && pick.busy && pick.items.length === 0) return; // Enter before the list came in
      resolve(path);
      pick.hide();
    });
    pick.onDidHide(() => {
      closed = true;
      resolve(undefined);
      pick.dispose();
    });
  });
  pick.show();
  const images = gallery.listing().then((all) => showListing(pick, all, closed));
  const filled = images
    .then((all) => fillIn(pick, gallery, all, () => closed))
    .catch(() => undefined) // a prompt that cannot be read is left out; the file is still listed
    .finally(() => {
      if (!closed) pick.busy = false;
    });
  return { pick, chosen, listed: images.then((all) => all.length), filled };
}

/** The image the user picks (its path), or undefined when there is none or the picker was closed. */
export function pickGalleryImage(gallery: GalleryFeed): Promise<string | undefined> {
  return openImagePicker(gallery).chosen;
}
