// PixArt: Insert Image…'s picker: every image in the output folder, newest first, its prompt as the
// description (typing a prompt's words finds it). It opens as soon as the folder is listed, with
// the prompts already read, and fills in the rest as the gallery's thread reads them a chunk at a
// time, so a folder of thousands neither delays it nor stalls the host.

import * as vscode from 'vscode';
import type { StoredImage } from './asset-store';
import type { GalleryFeed } from './gallery';

/** Files read between two updates of the list (each update redraws it). */
const READ_CHUNK = 256;

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

/** Reads the parameters of `images` chunk by chunk, redrawing the picker after each chunk that found some, until it closes. */
async function fillIn(pick: vscode.QuickPick<ImageItem>, gallery: GalleryFeed, images: StoredImage[], closed: () => boolean): Promise<void> {
  for (let at = 0; at < images.length && !closed(); at += READ_CHUNK) {
    const chunk = images.slice(at, at + READ_CHUNK);
    const had = chunk.map((i) => i.parameters);
    await gallery.withParameters(chunk);
    if (closed() || chunk.every((i, k) => i.parameters === had[k])) continue;
    const active = pick.activeItems[0]?.path;
    pick.items = images.map(itemOf);
    const again = pick.items.find((i) => i.path === active);
    if (again) pick.activeItems = [again];
  }
  pick.busy = false;
}

/** The image the user picks (its path), or undefined when there is none or the picker was closed; `images` comes from GalleryFeed.listing(). */
export function pickGalleryImage(gallery: GalleryFeed, images: StoredImage[]): Promise<string | undefined> {
  const pick = vscode.window.createQuickPick<ImageItem>();
  pick.title = `PixArt: Insert Image (${images.length})`;
  pick.placeholder = 'Choose an image to insert at the cursor (type words of its prompt)';
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  pick.keepScrollPosition = true; // the list is redrawn as prompts come in
  pick.items = images.map(itemOf);
  pick.busy = true;
  let closed = false;
  const chosen = new Promise<string | undefined>((resolve) => {
    pick.onDidAccept(() => {
      resolve(pick.selectedItems[0]?.path);
      pick.hide();
    });
    pick.onDidHide(() => {
      closed = true;
      resolve(undefined);
      pick.dispose();
    });
  });
  pick.show();
  void fillIn(pick, gallery, images, () => closed);
  return chosen;
}
