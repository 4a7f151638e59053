// VS Code hands the test extension host's console to the workbench's log (in code-server: the
// browser console), mixed with the workbench's own lines and unformatted. The suite's lines are
// formatted here and marked, so that the launcher prints exactly them.

import { format } from 'node:util';

export const CONSOLE_MARK = '\u2063pixart-test\u2063 ';

export function log(...args: unknown[]): void {
  console.log(CONSOLE_MARK + format(...args));
}
