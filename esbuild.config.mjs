// Bundles the extension host, the worker and the CLI into dist/ (CommonJS, Node).
// Native and optional runtime packages stay external: they are loaded from node_modules.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  external: ['vscode', 'koffi', 'openvino-node', 'sharp'],
};

const entries = [
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  { entryPoints: ['src/worker/worker.ts'], outfile: 'dist/worker.js' },
  // The gallery's reading thread: image metadata is parsed off the extension host's thread.
  { entryPoints: ['src/extension/metadata-thread.ts'], outfile: 'dist/metadata-thread.js' },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  // The generator webview: browser code and its stylesheet.
  { entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' },
  // The codicon font comes with its stylesheet (@vscode/codicons), beside it in dist/.
  { entryPoints: ['webview/style.css'], outfile: 'dist/webview.css', loader: { '.ttf': 'file' }, assetNames: '[name]' },
  // The studio (an editor-area webview panel): its own script and stylesheet (with the codicon font, as above).
  { entryPoints: ['webview/studio/main.ts'], outfile: 'dist/studio.js', platform: 'browser', format: 'iife', target: 'es2022' },
  { entryPoints: ['webview/studio/studio.css'], outfile: 'dist/studio.css', loader: { '.ttf': 'file' }, assetNames: '[name]' },
].filter((e) => existsSync(e.entryPoints[0]));

const contexts = await Promise.all(entries.map((e) => esbuild.context({ ...common, ...e })));
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
