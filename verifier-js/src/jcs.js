// RFC 8785 JSON Canonicalization Scheme (JCS).
//
// Numbers print as ECMAScript's Number::toString (RFC 8785 §3.2.2.3 is defined by it), so
// String(x) is exact here; strings escape only '"', '\\' and U+0000..U+001F (§3.2.2.2);
// object members are sorted by their names' UTF-16 code units (§3.2.3), which is how
// JavaScript compares strings.

import { utf8 } from './bytes.js';

export class JcsError extends Error {}

const SHORT = { 0x08: '\\b', 0x09: '\\t', 0x0a: '\\n', 0x0c: '\\f', 0x0d: '\\r', 0x22: '\\"', 0x5c: '\\\\' };

export function serializeString(s) {
  let out = '"';
  let run = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(k + 1);
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        k++;
        continue;
      }
      throw new JcsError('string holds a lone surrogate');
    }
    if (c < 0x20 || c === 0x22 || c === 0x5c) {
      out += s.slice(run, k) + (SHORT[c] ?? '\\u' + c.toString(16).padStart(4, '0'));
      run = k + 1;
    }
  }
  return out + s.slice(run) + '"';
}

export function serializeNumber(x) {
  if (!Number.isFinite(x)) throw new JcsError(`${x} cannot be canonicalized`);
  return String(x); // -0 prints as "0"
}

/** The canonical JSON text of `value` (a JSON value made of plain objects and arrays). */
export function canonicalize(value) {
  const parts = [];
  const walk = (v, depth) => {
    if (depth > 1100) throw new JcsError('value nests too deeply');
    if (v === null) parts.push('null');
    else if (v === true) parts.push('true');
    else if (v === false) parts.push('false');
    else if (typeof v === 'number') parts.push(serializeNumber(v));
    else if (typeof v === 'string') parts.push(serializeString(v));
    else if (Array.isArray(v)) {
      parts.push('[');
      for (let k = 0; k < v.length; k++) {
        if (k) parts.push(',');
        walk(v[k], depth + 1);
      }
      parts.push(']');
    } else if (typeof v === 'object') {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw new JcsError('only plain objects can be canonicalized');
      const keys = Object.keys(v).sort();
      parts.push('{');
      keys.forEach((key, k) => {
        if (k) parts.push(',');
        parts.push(serializeString(key), ':');
        walk(v[key], depth + 1);
      });
      parts.push('}');
    } else {
      throw new JcsError(`a ${typeof v} is not a JSON value`);
    }
  };
  walk(value, 0);
  return parts.join('');
}

/** UTF-8 bytes of the canonical text. */
export function canonicalBytes(value) {
  return utf8(canonicalize(value));
}
