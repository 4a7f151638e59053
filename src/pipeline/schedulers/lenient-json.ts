// JSON as Python's json module writes it: standard JSON plus the bare tokens NaN, Infinity and
// -Infinity (diffusers saves `lambda_min_clipped: -inf` that way), which JSON.parse rejects.
// A small recursive-descent parser; those tokens are only recognised outside strings.

export class LenientJsonError extends Error {
  constructor(message: string, text: string, offset: number) {
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    super(`invalid JSON at line ${line}, column ${column}: ${message}`);
    this.name = 'LenientJsonError';
  }
}

/** Far deeper than any config; bounds the recursion, which would otherwise end in a stack overflow. */
const MAX_DEPTH = 64;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export function parseLenientJson(text: string): unknown {
  const parser = new Parser(text);
  const value = parser.value();
  parser.end();
  return value;
}

/** Reads `text` from `pos` on; each method consumes one construct. */
class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  end(): void {
    this.skipWs();
    if (this.pos !== this.text.length) this.fail('unexpected trailing content');
  }

  value(): unknown {
    this.skipWs();
    const c = this.text[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === 't') return this.literal('true', true);
    if (c === 'f') return this.literal('false', false);
    if (c === 'n') return this.literal('null', null);
    if (c === 'N') return this.literal('NaN', NaN);
    if (c === 'I') return this.literal('Infinity', Infinity);
    if (c === '-' && this.text[this.pos + 1] === 'I') return this.literal('-Infinity', -Infinity);
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    return this.fail(c === undefined ? 'unexpected end of input' : `unexpected ${JSON.stringify(c)}`);
  }

  private fail(message: string, at = this.pos): never {
    throw new LenientJsonError(message, this.text, at);
  }

  private skipWs(): void {
    const { text } = this;
    while (this.pos < text.length) {
      const c = text[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++;
      else break;
    }
  }

  private literal(word: string, value: unknown): unknown {
    if (this.text.startsWith(word, this.pos)) {
      this.pos += word.length;
      return value;
    }
    return this.fail(`unexpected ${JSON.stringify(this.text.slice(this.pos, this.pos + 12))}`);
  }

  private string(): string {
    const { text } = this;
    const start = this.pos;
    this.pos++; // opening quote
    let out = '';
    while (true) {
      if (this.pos >= text.length) this.fail('unterminated string', start);
      const c = text[this.pos];
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === '\\') {
        out += this.escape();
      } else if (c < ' ') {
        this.fail('control character in string');
      } else {
        out += c;
        this.pos++;
      }
    }
  }

  /** The escape sequence at `pos` (a backslash), decoded. */
  private escape(): string {
    const e = this.text[this.pos + 1];
    if (e === 'u') {
      const hex = this.text.slice(this.pos + 2, this.pos + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
      this.pos += 6;
      return String.fromCharCode(parseInt(hex, 16));
    }
    if (e === undefined || !(e in ESCAPES)) this.fail('bad escape');
    this.pos += 2;
    return ESCAPES[e];
  }

  private number(): number {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) return this.fail(`unexpected ${JSON.stringify(this.text.slice(this.pos, this.pos + 12))}`);
    this.pos += m[0].length;
    return Number(m[0]);
  }

  private array(): unknown[] {
    const out: unknown[] = [];
    this.items(']', () => out.push(this.value()));
    return out;
  }

  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.items('}', () => {
      this.skipWs();
      if (this.text[this.pos] !== '"') this.fail('expected a string key');
      const key = this.string();
      this.skipWs();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      // defineProperty, not assignment, so a "__proto__" key stays an ordinary own property.
      Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
    });
    return out;
  }

  /** The comma-separated items of an array or object, from its opening bracket at `pos` to `close`. */
  private items(close: ']' | '}', item: () => void): void {
    if (++this.depth > MAX_DEPTH) this.fail(`arrays and objects nested more than ${MAX_DEPTH} deep`);
    this.itemList(close, item); // a failure ends the parse, so depth needs no unwinding then
    this.depth--;
  }

  private itemList(close: ']' | '}', item: () => void): void {
    this.pos++;
    this.skipWs();
    if (this.text[this.pos] === close) {
      this.pos++;
      return;
    }
    while (true) {
      item();
      this.skipWs();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] === close) {
        this.pos++;
        return;
      } else this.fail(`expected ',' or '${close}'`);
    }
  }
}
