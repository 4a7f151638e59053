// Recent prompts, newest first, for the form's history (Alt+Up/Down, the history button) and
// PixArt: Prompt History…. Kept in the extension's globalState: people reuse their prompts across
// projects (like the terminal's or search's history), and a workspace's files stay untouched. Not
// synced across machines (no setKeysForSync): a prompt may be private.

import { LIMITS } from '../protocol/generation';

export const HISTORY_KEY = 'pixart.promptHistory';
export const HISTORY_SIZE = 50;

/** The text a prompt is compared by: trimmed, runs of white space as one space. */
function key(prompt: string): string {
  return prompt.trim().replace(/\s+/g, ' ');
}

/** The history with `prompt` at its head: once (an earlier equal one moves up), at most `size` entries. Empty prompts are not kept. */
export function addPrompt(history: readonly string[], prompt: string, size = HISTORY_SIZE): string[] {
  const k = key(prompt);
  if (!k) return [...history];
  return [prompt.trim(), ...history.filter((p) => key(p) !== k)].slice(0, size);
}

/** What globalState holds, checked (another version, or a hand edit, may have left anything there). */
export function readHistory(raw: unknown, size = HISTORY_SIZE): string[] {
  if (!Array.isArray(raw)) return [];
  const out: string[] = [];
  for (const p of raw) {
    if (typeof p === 'string' && key(p) && p.length <= LIMITS.promptChars && !out.some((q) => key(q) === key(p))) out.push(p);
    if (out.length === size) break;
  }
  return out;
}

/** The subset of vscode.Memento used here. */
export interface HistoryStore {
  get(key: string): unknown;
  update(key: string, value: unknown): Thenable<void>;
}

export class PromptHistory {
  constructor(private readonly store: HistoryStore) {}

  get prompts(): string[] {
    return readHistory(this.store.get(HISTORY_KEY));
  }

  async add(prompt: string): Promise<string[]> {
    const next = addPrompt(this.prompts, prompt);
    await this.store.update(HISTORY_KEY, next);
    return next;
  }

  async clear(): Promise<void> {
    await this.store.update(HISTORY_KEY, []);
  }
}
