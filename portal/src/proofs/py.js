// Python's value semantics, where the resident's check (ledger/client/residents.py) leans on them.
//
// The check reads a gateway's JSON answer, which the resident is checking, so a hostile answer
// may put any JSON value anywhere. To keep the browser's decisions the same as Python's, the few
// operations the check applies to such values behave as Python's do: `==` (1 == 1.0 == true),
// truthiness ([] and {} are false), `str()` (None), `in` (a substring of a string, a key of a
// dict), `int()` of a head's size and `bytes.fromhex` (whitespace between bytes). Where Python
// would raise (an AttributeError, a KeyError, a TypeError…) and so give no verdict at all, these
// throw Malformed, which the check turns into a problem: never a pass.

export class Malformed extends Error {}

export const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
export const has = (obj, name) => Object.prototype.hasOwnProperty.call(obj, name);

/** `obj[name]`, as Python's `d[name]` on a dict: Malformed when `obj` is no object or lacks it. */
export function member(obj, name, what = 'the answer') {
  if (!isObject(obj)) throw new Malformed(`${what} is not an object`);
  if (!has(obj, name)) throw new Malformed(`${what} has no ${name}`);
  return obj[name];
}

/** Python's `d.get(name)` (undefined stands for None). */
export function get(obj, name, fallback = null) {
  if (!isObject(obj)) throw new Malformed('a document is not an object');
  return has(obj, name) ? obj[name] : fallback;
}

const isNum = (v) => typeof v === 'number' || typeof v === 'boolean';

/** Python's `a == b` on JSON values. */
export function pyEqual(a, b) {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (isNum(a) && isNum(b)) return Number(a) === Number(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => pyEqual(x, b[i]));
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => has(b, k) && pyEqual(a[k], b[k]));
}

/** Python's `bool(v)`. */
export function pyTruthy(v) {
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string' || Array.isArray(v)) return v.length > 0;
  return Object.keys(v).length > 0;
}

/** Python's `repr` of a string (as a message quotes it). */
export function pyRepr(v) {
  if (typeof v !== 'string') return pyStr(v);
  const quote = v.includes("'") && !v.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of v) {
    const c = ch.codePointAt(0);
    if (ch === '\\' || ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return quote + out + quote;
}

/**
 * Python's `str(v)` of a JSON value. A number written with a fraction (1.0) prints as Python's
 * int would ("1"): JSON.parse cannot tell them apart. Containers print as Python's repr roughly;
 * the check only ever compares such a string with a time, which it never is.
 */
export function pyStr(v) {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  return '{' + Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ') + '}';
}

/** Python's `needle in haystack` for JSON values (TypeError, hence Malformed, where Python raises). */
export function pyIn(needle, haystack) {
  if (Array.isArray(haystack)) return haystack.some((x) => pyEqual(needle, x));
  if (typeof haystack === 'string') {
    if (typeof needle !== 'string') throw new Malformed("'in <string>' requires a string");
    return haystack.includes(needle);
  }
  if (isObject(haystack)) {
    if (typeof needle === 'object' && needle !== null) throw new Malformed('an unhashable value');
    return typeof needle === 'string' && has(haystack, needle);
  }
  throw new Malformed('a value that is not a container');
}

const PY_SPACE = /^[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** Python's `str.strip()`. */
export function pyStrip(s) {
  return s.replace(PY_SPACE, '');
}

/**
 * Python's `int(v)` of a head's size, limited to safe integers (a size past 2^53 is refused here;
 * no operator signs one).
 */
export function pyInt(v, what = 'a number') {
  let n;
  if (typeof v === 'boolean') n = Number(v);
  else if (typeof v === 'number') n = Number.isFinite(v) ? Math.trunc(v) : NaN;
  else if (typeof v === 'string') {
    const t = pyStrip(v);
    n = /^[+-]?\d+(_\d+)*$/.test(t) ? Number(t.replaceAll('_', '')) : NaN;
  } else n = NaN;
  if (Object.is(n, -0)) n = 0;
  if (!Number.isSafeInteger(n)) throw new Malformed(`${what} is not an integer`);
  return n;
}

const HEXDIGIT = /[0-9a-fA-F]/;
const ASCII_SPACE = new Set([' ', '\t', '\n', '\r', '\x0b', '\x0c']);

/** Python's `bytes.fromhex(value.removeprefix("0x"))` (the check's `_b`). */
export function pyFromhex(value, what = 'a hex value') {
  if (typeof value !== 'string') throw new Malformed(`${what} is not a string`);
  const s = value.startsWith('0x') ? value.slice(2) : value;
  const out = [];
  let i = 0;
  while (i < s.length) {
    if (ASCII_SPACE.has(s[i])) {
      i++;
      continue;
    }
    if (i + 1 >= s.length || !HEXDIGIT.test(s[i]) || !HEXDIGIT.test(s[i + 1])) {
      throw new Malformed(`${what} is not hex`);
    }
    out.push(parseInt(s.slice(i, i + 2), 16));
    i += 2;
  }
  return Uint8Array.from(out);
}

/** Python's `for x in v` over a JSON value: a list's items, a string's characters, an object's keys. */
export function pyIter(v, what = 'a value') {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return Array.from(v);
  if (isObject(v)) return Object.keys(v);
  throw new Malformed(`${what} is not iterable`);
}

/** Python's `json.loads(text)` of a leaf: Malformed when it is not JSON (or not a string). */
export function pyJsonLoads(text, what = 'a leaf') {
  if (typeof text !== 'string') throw new Malformed(`${what} is not a string`);
  try {
    return JSON.parse(text); // a leading BOM is refused, as json.loads(str) refuses it
  } catch {
    throw new Malformed(`${what} is not JSON`);
  }
}

/** Python's `text.encode()` (UTF-8): Malformed on a lone surrogate, which Python refuses to encode. */
export function pyEncode(text, what = 'a leaf') {
  if (typeof text !== 'string') throw new Malformed(`${what} is not a string`);
  if (/[\ud800-\udfff]/.test(text.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) {
    throw new Malformed(`${what} holds a lone surrogate`);
  }
  return new TextEncoder().encode(text);
}
