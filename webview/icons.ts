// The webview's icons: VS Code's own codicons (@vscode/codicons, whose font and stylesheet are
// bundled into dist/webview.css), by the names the views use.

const CODICONS = {
  close: 'close',
  refresh: 'refresh',
  history: 'history',
  dice: 'sync',
  insert: 'insert',
  link: 'link',
  reuse: 'reply',
  play: 'play',
  next: 'arrow-right',
  folder: 'folder-opened',
  trash: 'trash',
  starFull: 'star-full',
  starEmpty: 'star-empty',
} as const;

export type IconName = keyof typeof CODICONS;

/** A decorative icon (aria-hidden: the button around it carries the name). */
export function icon(name: IconName): HTMLElement {
  const span = document.createElement('span');
  span.className = `codicon codicon-${CODICONS[name]}`;
  span.setAttribute('aria-hidden', 'true');
  return span;
}
