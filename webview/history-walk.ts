// Walking the recent prompts from the prompt box, as a shell walks its history: Alt+Up goes to an
// older prompt, Alt+Down back to a newer one and finally to what was being typed. Pure (no DOM).

export class HistoryWalk {
  private prompts: string[] = [];
  /** -1: the draft (what the user is typing); 0 … the index of the prompt shown, newest first. */
  private at = -1;
  private draft = '';

  /** The host's list, newest first; the walk starts again. */
  set(prompts: readonly string[]): void {
    this.prompts = [...prompts];
    this.at = -1;
  }

  get size(): number {
    return this.prompts.length;
  }

  /** The user typed: the next walk starts from the top again. */
  typed(): void {
    this.at = -1;
  }

  /** The text to show after one step older or newer from `current`; undefined at either end. */
  step(current: string, older: boolean): string | undefined {
    const to = this.at + (older ? 1 : -1);
    if (to >= this.prompts.length || to < -1) return undefined;
    if (this.at === -1) this.draft = current;
    this.at = to;
    return to === -1 ? this.draft : this.prompts[to];
  }
}
