// Builds the VSIX users install.
//   node scripts/package.mjs                      universal VSIX, no OpenVINO inside (users bring their own)
//   node scripts/package.mjs --target linux-x64   the VSIX for one VS Code target, with that OS's OpenVINO
//   … --out FILE                                  where to write it (default pixart-studio-<version>[-<target>].vsix)
// A target VSIX is packed from a clean staging folder, .cache/package/<target>/extension/: the
// production bundle, media, the converter, the docs, openvino/ (the runtime subset of the official
// wheel, see scripts/lib/openvino-subset.mjs) and node_modules/ with koffi and sharp for that
// platform only. Targets are the ones scripts/openvino-wheels.json has a wheel for.
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureWheel } from './lib/wheel-cache.mjs';
import { extractSubset } from './lib/openvino-subset.mjs';
import { installRuntimePackages } from './lib/runtime-packages.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const wheels = JSON.parse(readFileSync(join(root, 'scripts', 'openvino-wheels.json'), 'utf8'));
const log = (m) => console.error(`[package] ${m}`);

function run(cmd, args, cwd) {
  log(`$ ${cmd} ${args.join(' ')}${cwd === root ? '' : `   (in ${relative(root, cwd)})`}`);
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 2, 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.error?.message}`);
}

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--target' || a === '--out') opts[a.slice(2)] = argv[++i];
    else throw new Error(`unknown argument ${a}; usage: node scripts/package.mjs [--target T] [--out FILE]`);
    if (!opts[a.slice(2)]) throw new Error(`${a} needs a value`);
  }
  if (opts.target && !wheels.targets[opts.target]) {
    const why = wheels.withoutWheel[opts.target];
    throw new Error(`no VSIX for target ${opts.target}${why ? `: ${why}` : ''}. Targets: ${Object.keys(wheels.targets).join(', ')}`);
  }
  return opts;
}

const vsce = (args, cwd) => run(process.execPath, [join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', ...args], cwd);

/** Files under `dir` (recursively) that `keep(relativePath, isDir)` accepts, copied to `to`. */
function copyTree(dir, to, keep) {
  for (const name of readdirSync(dir)) {
    const from = join(dir, name);
    const isDir = statSync(from).isDirectory();
    if (!keep(name, isDir)) continue;
    if (isDir) copyTree(from, join(to, name), keep);
    else {
      mkdirSync(to, { recursive: true });
      cpSync(from, join(to, name));
    }
  }
}

function folderSize(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(join(e.parentPath ?? e.path, e.name)).size, 0);
}

/** The extension folder of a target VSIX, minus openvino/ and node_modules/. */
function stageExtension(ext) {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  // dist/ is built already; the scripts name files that are not shipped, and vsce would run vscode:prepublish.
  delete manifest.scripts;
  mkdirSync(ext, { recursive: true });
  writeFileSync(join(ext, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const f of ['README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore']) cpSync(join(root, f), join(ext, f));
  copyTree(join(root, 'dist'), join(ext, 'dist'), (n) => !n.endsWith('.map'));
  copyTree(join(root, 'media'), join(ext, 'media'), () => true);
  copyTree(join(root, 'docs'), join(ext, 'docs'), () => true); // the user pages the extension opens (Learn About Model Folders)
  const skip = new Set(['tests', '__pycache__', '.pytest_cache']);
  copyTree(join(root, 'models'), join(ext, 'models'), (n, isDir) => (isDir ? !skip.has(n) : !n.endsWith('.pyc')));
}

async function packageTarget(target, out) {
  const spec = wheels.targets[target];
  const t0 = Date.now();
  const wheel = await ensureWheel(spec, wheels, { log });
  log(`wheel ${wheel} (sha256 ok, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  run(process.execPath, ['esbuild.config.mjs', '--production'], root);
  const stage = join(root, '.cache', 'package', target);
  const ext = join(stage, 'extension');
  rmSync(stage, { recursive: true, force: true });
  stageExtension(ext);
  const manifest = await extractSubset(wheel, spec, wheels, target, join(ext, 'openvino'));
  writeFileSync(join(ext, 'openvino', 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const nodeModules = installRuntimePackages(root, join(stage, 'npm'), spec, { log });
  renameSync(nodeModules, join(ext, 'node_modules'));
  vsce(['--target', target, '--out', out], ext);
  return { openvinoBytes: folderSize(join(ext, 'openvino')), summaryFile: `${stage}.json` };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  const out = resolve(opts.out ?? join(root, `pixart-studio-${version}${opts.target ? `-${opts.target}` : ''}.vsix`));
  const t0 = Date.now();
  let summary = { target: opts.target ?? 'universal', vsix: out };
  if (opts.target) {
    const { openvinoBytes, summaryFile } = await packageTarget(opts.target, out);
    summary = { ...summary, openvinoUnpackedBytes: openvinoBytes };
    summary.file = summaryFile;
  } else {
    vsce(['--out', out], root); // runs vscode:prepublish (the production build) in the repo
  }
  summary.vsixBytes = statSync(out).size;
  summary.seconds = Math.round((Date.now() - t0) / 100) / 10;
  const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
  console.log(`${summary.target}: ${out} ${mb(summary.vsixBytes)}${summary.openvinoUnpackedBytes ? `, openvino/ unpacked ${mb(summary.openvinoUnpackedBytes)}` : ''} (${summary.seconds} s)`);
  if (summary.file) {
    const { file, ...record } = summary;
    writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  }
}

main().catch((e) => {
  console.error(`[package] ${e.message}`);
  process.exit(1);
});
