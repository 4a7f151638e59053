// Opens Quick Open in the workbench with `text` typed in, from the title bar's command center
// (keyboard shortcuts would go to whatever has focus, e.g. the webview).
import type { Page } from 'playwright-core';
import { until } from './until';

export async function quickOpen(page: Page, text: string): Promise<void> {
  await page.locator('.command-center-center').click();
  const input = page.locator('.quick-input-widget input:focus');
  await input.waitFor();
  await page.keyboard.type(text);
  await until(() => input.inputValue(), (v) => v === text, `Quick Open to read "${text}"`);
}
