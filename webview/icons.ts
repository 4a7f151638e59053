// The webview's icons, drawn in the codicons' 16 × 16 grid as inline SVG (DOM-built, so the strict
// CSP needs no font or style source). @vscode/codicons is not among the project's packages; with it,
// icon() would return its font glyph instead, and no caller would change.

const SVG = 'http://www.w3.org/2000/svg';

/** Each icon as strokes (path data) and optional filled dots [x, y]. */
const ICONS = {
  close: { d: 'M4 4l8 8M12 4l-8 8' },
  refresh: { d: 'M13 8a5 5 0 1 1-1.5-3.5M11.5 1.5v3h-3' },
  history: { d: 'M2.5 8a5.5 5.5 0 1 0 1.6-3.9M4.1 1.6v2.5H1.6M8 5v3l2 1.5' },
  dice: { d: 'M4.5 2.5h7a2 2 0 0 1 2 2v7a2 2 0 0 1-2 2h-7a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2z', dots: [[5.6, 5.6], [10.4, 5.6], [8, 8], [5.6, 10.4], [10.4, 10.4]] },
  insert: { d: 'M8 2v8M5 7l3 3 3-3M3 13.5h10' },
  link: { d: 'M6.5 9.5l3-3M7 4.5L8.5 3a3.2 3.2 0 0 1 4.5 4.5L11.5 9M9 11.5L7.5 13A3.2 3.2 0 0 1 3 8.5L4.5 7' },
  reuse: { d: 'M13 3v4a2 2 0 0 1-2 2H3.5M6.5 6l-3 3 3 3' },
  play: { d: 'M5 3l7 5-7 5z' },
  next: { d: 'M3.5 3l6 5-6 5zM12.5 3v10' },
  folder: { d: 'M2 4.5h4l1.5 1.5H14V13H2z' },
  trash: { d: 'M3 4.5h10M6 4.5V3h4v1.5M4.5 4.5l.7 9h5.6l.7-9M7 7v4M9 7v4' },
} as const;

export type IconName = keyof typeof ICONS;

/** A decorative icon (aria-hidden: the button around it carries the name). */
export function icon(name: IconName): SVGSVGElement {
  const spec: { d: string; dots?: readonly (readonly number[])[] } = ICONS[name];
  const svg = document.createElementNS(SVG, 'svg');
  for (const [k, v] of Object.entries({ viewBox: '0 0 16 16', width: '16', height: '16', 'aria-hidden': 'true', focusable: 'false', class: `icon icon-${name}` })) svg.setAttribute(k, v);
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', spec.d);
  svg.append(path);
  for (const [cx, cy] of spec.dots ?? []) {
    const dot = document.createElementNS(SVG, 'circle');
    for (const [k, v] of Object.entries({ cx: String(cx), cy: String(cy), r: '1', class: 'dot' })) dot.setAttribute(k, v);
    svg.append(dot);
  }
  return svg;
}
