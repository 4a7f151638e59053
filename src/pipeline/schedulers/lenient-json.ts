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

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export function parseLenientJson(text: string): unknown {
  let pos = 0;
  const fail = (message: string, at = pos): never => {
    throw new LenientJsonError(message, text, at);
  };
  const skipWs = () => {
    while (pos < text.length) {
      const c = text[pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') pos++;
      else break;
    }
  };
  const literal = (word: string, value: unknown): unknown => {
    if (text.startsWith(word, pos)) {
      pos += word.length;
      return value;
    }
    return fail(`unexpected ${JSON.stringify(text.slice(pos, pos + 12))}`);
  };

  const parseString = (): string => {
    const start = pos;
    pos++; // opening quote
    let out = '';
    while (true) {
      if (pos >= text.length) fail('unterminated string', start);
      const c = text[pos];
      if (c === '"') {
        pos++;
        return out;
      }
      if (c === '\\') {
        const e = text[pos + 1];
        if (e === 'u') {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 6;
        } else if (e !== undefined && e in ESCAPES) {
          out += ESCAPES[e];
          pos += 2;
        } else {
          fail('bad escape');
        }
      } else if (c < ' ') {
        fail('control character in string');
      } else {
        out += c;
        pos++;
      }
    }
  };

  const parseNumber = (): number => {
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (!m) return fail(`unexpected ${JSON.stringify(text.slice(pos, pos + 12))}`);
    pos += m[0].length;
    return Number(m[0]);
  };

  const parseValue = (): unknown => {
    skipWs();
    const c = text[pos];
    if (c === '{') return parseObject();
    if (c === '[') return parseArray();
    if (c === '"') return parseString();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', null);
    if (c === 'N') return literal('NaN', NaN);
    if (c === 'I') return literal('Infinity', Infinity);
    if (c === '-' && text[pos + 1] === 'I') return literal('-Infinity', -Infinity);
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return parseNumber();
    return fail(c === undefined ? 'unexpected end of input' : `unexpected ${JSON.stringify(c)}`);
  };

  const parseArray = (): unknown[] => {
    pos++;
    const out: unknown[] = [];
    skipWs();
    if (text[pos] === ']') {
      pos++;
      return out;
    }
    while (true) {
      out.push(parseValue());
      skipWs();
      if (text[pos] === ',') pos++;
      else if (text[pos] === ']') {
        pos++;
        return out;
      } else fail("expected ',' or ']'");
    }
  };

  const parseObject = (): Record<string, unknown> => {
    pos++;
    const out: Record<string, unknown> = {};
    skipWs();
    if (text[pos] === '}') {
      pos++;
      return out;
    }
    while (true) {
      skipWs();
      if (text[pos] !== '"') fail('expected a string key');
      const key = parseString();
      skipWs();
      if (text[pos] !== ':') fail("expected ':'");
      pos++;
      // defineProperty, not assignment, so a "__proto__" key stays an ordinary own property.
      Object.defineProperty(out, key, { value: parseValue(), enumerable: true, writable: true, configurable: true });
      skipWs();
      if (text[pos] === ',') pos++;
      else if (text[pos] === '}') {
        pos++;
        return out;
      } else fail("expected ',' or '}'");
    }
  };

  const value = parseValue();
  skipWs();
  if (pos !== text.length) fail('unexpected trailing content');
  return value;
}
