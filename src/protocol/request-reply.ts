// One request/reply channel over one-way messages (webview ⇄ host ⇄ worker): each request gets an
// id, its reply settles the matching promise, and a reply that never comes settles it with a
// fallback after a timeout, so no caller waits forever on a dead worker or a hidden view.

export class PendingReplies<T> {
  private next = 0;
  private readonly waiting = new Map<number, { settle: (value: T) => void; timer: ReturnType<typeof setTimeout> }>();

  constructor(private readonly timeoutMs: number, private readonly fallback: () => T) {}

  /** Sends a request through `send(id)` and resolves with its reply (or the fallback on timeout). */
  request(send: (requestId: number) => void): Promise<T> {
    const id = ++this.next;
    return new Promise<T>((settle) => {
      const timer = setTimeout(() => this.resolve(id, this.fallback()), this.timeoutMs);
      this.waiting.set(id, { settle, timer });
      send(id);
    });
  }

  /** The id of the newest request (a view shows only the latest answer). */
  get latest(): number {
    return this.next;
  }

  /** Delivers a reply; false when nobody waits for that id (late, repeated or unknown). */
  resolve(requestId: number, value: T): boolean {
    const w = this.waiting.get(requestId);
    if (!w) return false;
    this.waiting.delete(requestId);
    clearTimeout(w.timer);
    w.settle(value);
    return true;
  }

  /** Settles every waiting request with the fallback (the other side went away). */
  dispose(): void {
    for (const id of [...this.waiting.keys()]) this.resolve(id, this.fallback());
  }
}
