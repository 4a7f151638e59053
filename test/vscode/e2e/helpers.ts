// What the e2e suites share: the extension's id, the test run's environment (set by
// test/vscode/run.mjs), polling for a condition, and Quick Open in the workbench.
import type { Page } from 'playwright-core';

export const EXTENSION_ID = 'pixart-studio.pixart-studio';

/** A variable of the test run's environment; throws when it is missing. */
export const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run through test/vscode/run.mjs)`);
  return v;
};

/** Waits for a condition instead of sleeping: polls `get` until `ok` holds, or fails with the last value. */
export async function until<T>(get: () => Promise<T> | T, ok: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let error: unknown;
  for (;;) {
    try {
      last = await get();
      if (ok(last)) return last;
    } catch (e) {
      error = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}${error ? `; last error: ${error}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Opens Quick Open in the workbench with `text` typed in, from the title bar's command center
 * (keyboard shortcuts would go to whatever has focus, e.g. the webview).
 */
export async function quickOpen(page: Page, text: string): Promise<void> {
  await page.locator('.command-center-center').click();
  const input = page.locator('.quick-input-widget input:focus');
  await input.waitFor();
  await page.keyboard.type(text);
  await until(() => input.inputValue(), (v) => v === text, `Quick Open to read "${text}"`);
}

/** Opens a workspace file with Quick Open and waits for its tab. */
export async function openFile(page: Page, relPath: string): Promise<void> {
  const name = relPath.split('/').pop()!;
  await quickOpen(page, relPath);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator(`.tabs-container .tab.active[aria-label^="${name}"]`).waitFor();
}
