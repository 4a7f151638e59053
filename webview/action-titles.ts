// What each image action does, in words: its tooltip and accessible name, in the sidebar's gallery
// and in the studio alike.
import type { GalleryAction } from '../src/protocol/messages';

export const ACTION_TITLES: Record<GalleryAction | 'rerunNextSeed', string> = {
  insert: 'Insert at the cursor',
  copyMarkdown: 'Copy a Markdown link',
  reuse: 'Put its parameters into the form',
  rerun: 'Generate again with the same seed',
  rerunNextSeed: 'Re-run with the next seed',
  open: 'Open the file in an editor',
  reveal: 'Reveal in the Explorer',
  delete: 'Move to the trash',
};
