// The extension-host side of the integration suite: VS Code loads this module (extensionTestsPath)
// inside the real extension host and awaits run(); a rejection makes the run fail.
// Bundled by test/vscode/run.mjs next to the *.test.js files it loads.

import Mocha from 'mocha';
import * as path from 'node:path';
import { readdirSync } from 'node:fs';
import { log } from './log';

export function run(): Promise<void> {
  // Colours would arrive as escapes.
  Mocha.reporters.Base.consoleLog = log;
  // PIXART_TEST_GREP=<text>: only the tests whose titles contain it (a developer's shortcut; the suite runs them all).
  const grep = process.env.PIXART_TEST_GREP;
  const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: false, reporter: 'spec', ...(grep ? { grep } : {}) });
  for (const f of readdirSync(__dirname).filter((n) => n.endsWith('.test.js')).sort()) mocha.addFile(path.join(__dirname, f));
  return new Promise<void>((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}
