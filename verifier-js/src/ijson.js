// A strict JSON text parser (RFC 8259 grammar, I-JSON restrictions of RFC 7493).
//
// JSON.parse keeps the last of two members with the same name and accepts numbers it cannot
// represent, so two verifiers could read one file differently. This parser reads the text
// itself and refuses:
//   - an object with two members of the same name (compared after unescaping),
//   - a string (member name or value) holding a lone surrogate, escaped or raw,
//   - a number that does not fit a finite IEEE-754 double (1e400),
//   - an integer literal (a number token with neither fraction nor exponent) of magnitude
//     >= 2^53: its exact value may not survive a parser that reads doubles (spec §J-1.5);
//     `1e30` and `3500.5` are read as the nearest double, as RFC 8259 §6 says,
//   - a byte order mark, anything but JSON whitespace around the value, nesting deeper
//     than `maxDepth`.
// Objects come back as plain objects whose members are own data properties (a member
// named "__proto__" is an ordinary member, as with JSON.parse).

export class JsonError extends Error {
  constructor(message, offset) {
    super(offset === undefined ? message : `${message} at offset ${offset}`);
    this.offset = offset;
  }
}

const LIMIT = 2 ** 53;
// Nesting limit, docs/spec/json.md §J-1 rule 6: arrays and objects nest at most 64 deep (the
// gateway's edge refuses deeper bodies, so no genuine document is deeper), and neither this
// parser nor the canonicalizer can run out of stack.
export const MAX_DEPTH = 64;
const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Parse JSON text strictly.
 * @param {string} text
 * @param {{maxDepth?: number}} [opts]
 */
export function parseStrict(text, opts = {}) {
  if (typeof text !== 'string') throw new JsonError('JSON text must be a string');
  const maxDepth = opts.maxDepth ?? MAX_DEPTH;
  let i = 0;
  const n = text.length;

  const skipWs = () => {
    while (i < n && WS.has(text.charCodeAt(i))) i++;
  };
  const fail = (msg, at = i) => {
    throw new JsonError(msg, at);
  };

  const parseString = () => {
    // text[i] === '"'
    const start = i;
    i++;
    let out = '';
    let runStart = i;
    for (;;) {
      if (i >= n) fail('unterminated string', start);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(runStart, i);
        i++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) {
        out += text.slice(runStart, i);
        const e = text[i + 1];
        switch (e) {
          case '"': out += '"'; i += 2; break;
          case '\\': out += '\\'; i += 2; break;
          case '/': out += '/'; i += 2; break;
          case 'b': out += '\b'; i += 2; break;
          case 'f': out += '\f'; i += 2; break;
          case 'n': out += '\n'; i += 2; break;
          case 'r': out += '\r'; i += 2; break;
          case 't': out += '\t'; i += 2; break;
          case 'u': {
            const hex = text.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
            out += String.fromCharCode(parseInt(hex, 16));
            i += 6;
            break;
          }
          default:
            fail('bad escape in string');
        }
        runStart = i;
        continue;
      }
      i++;
    }
  };

  const checkWellFormed = (s, at) => {
    for (let k = 0; k < s.length; k++) {
      const c = s.charCodeAt(k);
      if (c >= 0xd800 && c <= 0xdbff) {
        const d = s.charCodeAt(k + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          k++;
          continue;
        }
        fail('lone surrogate in string', at);
      } else if (c >= 0xdc00 && c <= 0xdfff) {
        fail('lone surrogate in string', at);
      }
    }
    return s;
  };

  const parseNumber = () => {
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(text);
    if (!m || m[0] === '-' || m[0].length === 0) fail('bad number');
    const start = i;
    i += m[0].length;
    const v = Number(m[0]);
    if (!Number.isFinite(v)) fail('number out of range', start);
    if (!/[.eE]/.test(m[0]) && Math.abs(v) >= LIMIT) {
      fail('integer literal of magnitude 2^53 or more', start);
    }
    return v;
  };

  const parseValue = (depth) => {
    skipWs();
    if (i >= n) fail('unexpected end of JSON text');
    const c = text[i];
    if (c === '{') {
      if (depth >= maxDepth) fail('nesting too deep');
      i++;
      const obj = {};
      const seen = new Set();
      skipWs();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skipWs();
        if (text[i] !== '"') fail('expected a member name');
        const at = i;
        const key = checkWellFormed(parseString(), at);
        if (seen.has(key)) fail(`duplicate member name ${JSON.stringify(key)}`, at);
        seen.add(key);
        skipWs();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        const v = parseValue(depth + 1);
        Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
        skipWs();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      if (depth >= maxDepth) fail('nesting too deep');
      i++;
      const arr = [];
      skipWs();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(depth + 1));
        skipWs();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') {
      const at = i;
      return checkWellFormed(parseString(), at);
    }
    if (c === '-' || (c >= '0' && c <= '9')) return parseNumber();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    return fail('unexpected character');
  };

  if (text.charCodeAt(0) === 0xfeff) fail('byte order mark before JSON text', 0);
  const value = parseValue(0);
  skipWs();
  if (i !== n) fail('trailing characters after JSON value');
  return value;
}

/** Parse UTF-8 bytes strictly (invalid UTF-8 is refused). */
export function parseStrictBytes(bytes, opts) {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new JsonError('JSON text is not valid UTF-8');
  }
  return parseStrict(text, opts);
}
