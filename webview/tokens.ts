// The prompt's token counter: asks the host (whose worker runs the model's T5 tokenizer) a short
// while after the prompt last changed, and shows only the answer to the newest question.

import { PendingReplies } from '../src/protocol/request-reply';
import { el } from './dom';
import { tokenLine, type TokenCount } from './format';
import type { HostMessage, Send } from './host';

/** Wait this long after the last keystroke before asking. */
const DEBOUNCE_MS = 250;
/** The host always answers within its own 5 s worker timeout; later, the question is dropped. */
const REPLY_TIMEOUT_MS = 10_000;

export class TokenCounter {
  readonly element = el('p', { id: 'prompt-tokens', class: 'hint tokens', 'aria-live': 'polite' }, '');
  /** undefined: no answer came, the counter keeps what it shows. */
  private readonly replies = new PendingReplies<TokenCount | undefined>(REPLY_TIMEOUT_MS, () => undefined);
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly send: Send, private readonly prompt: () => string) {}

  /** Counts the prompt's tokens once it has not changed for a moment. */
  request(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      let id = 0;
      const reply = this.replies.request((requestId) => {
        id = requestId;
        this.send({ type: 'countTokens', requestId, text: this.prompt() });
      });
      void reply.then((count) => {
        if (count && id === this.replies.latest) this.show(count);
      });
    }, DEBOUNCE_MS);
  }

  reply(msg: HostMessage<'tokens'>): void {
    this.replies.resolve(msg.requestId, msg);
  }

  private show(count: TokenCount): void {
    const { text, warning } = tokenLine(count, this.prompt().trim() === '');
    this.element.textContent = text;
    this.element.classList.toggle('warning', warning);
  }
}
