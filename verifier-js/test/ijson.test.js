// The strict JSON front-end: what JSON.parse lets through and a verifier must not.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { parseStrict, parseStrictBytes, JsonError } from '../src/ijson.js';
import { canonicalize } from '../src/jcs.js';

test('accepts what JSON.parse accepts, with the same value', () => {
  for (const text of [
    '{}', '[]', '0', '-0', '1.5e-7', '"\\u00e9\\ud83d\\ude02"', ' {"a" : [1, 2, {"b": null}], "c": true}\n',
    '{"__proto__": {"x": 1}, "y": "\\/"}', '9007199254740991', '-9007199254740991', '1.5', '"\u2028"',
  ]) {
    assert.deepEqual(parseStrict(text), JSON.parse(text), text);
    assert.equal(canonicalize(parseStrict(text)), canonicalize(JSON.parse(text)), text);
  }
  const o = parseStrict('{"__proto__": 1}');
  assert.equal(Object.getPrototypeOf(o), Object.prototype);
  assert.deepEqual(Object.keys(o), ['__proto__']);
});

test('refuses duplicate member names, even when escaped differently', () => {
  assert.throws(() => parseStrict('{"a": 1, "a": 2}'), /duplicate member name "a"/);
  assert.throws(() => parseStrict('{"a": 1, "\\u0061": 2}'), /duplicate/);
  assert.throws(() => parseStrict('[{"x": {"k": 1, "k": 1}}]'), /duplicate/);
  assert.deepEqual(parseStrict('[{"a": 1}, {"a": 2}]'), [{ a: 1 }, { a: 2 }]);
});

test('refuses lone surrogates, escaped or raw', () => {
  for (const t of ['"\\ud800"', '"\\udc00"', '"\\ud800\\u0041"', '{"\\udfff": 1}', '"\ud800"', '"x\\ude02\\ud83d"']) {
    assert.throws(() => parseStrict(t), /lone surrogate/, t);
  }
});

test('refuses non-finite numbers and integer literals of magnitude 2^53 or more (spec §J-1)', () => {
  for (const t of ['NaN', 'Infinity', '-Infinity', '1e400', '-1e400']) {
    assert.throws(() => parseStrict(t), JsonError, t);
  }
  for (const t of ['9007199254740992', '-9007199254740992', '123456789012345678901234567890', '[18446744073709551616]']) {
    assert.throws(() => parseStrict(t), /2\^53/, t);
  }
  // a fraction or an exponent makes it a double, read as the nearest one
  assert.equal(parseStrict('1e16'), 1e16);
  assert.deepEqual(parseStrict('[1E30, 9007199254740992.0, 3500.5, 1e300]'), [1e30, 2 ** 53, 3500.5, 1e300]);
  assert.equal(parseStrict('9007199254740991'), 2 ** 53 - 1);
  assert.equal(parseStrict('0.5e-400'), 0); // underflow to zero is finite and not "large"
});

test('refuses everything outside the RFC 8259 grammar', () => {
  for (const t of ['', ' ', '{', '[1,]', '{"a":1,}', "{'a':1}", '{a:1}', '01', '1.', '.5', '+1', '-', '0x10',
    '"\t"', '"\\x41"', '"\\u12"', 'tru', 'nul', '[1] 2', '"a" "b"', '\ufeff{}', '// c\n{}', '[1]\u00a0']) {
    assert.throws(() => parseStrict(t), JsonError, JSON.stringify(t));
  }
});

test('bounded depth, not a stack overflow', () => {
  assert.throws(() => parseStrict('['.repeat(100000) + ']'.repeat(100000)), /nesting too deep/);
  // §J-1 rule 6: at most 64 deep, the document itself being depth 1
  assert.doesNotThrow(() => parseStrict('['.repeat(64) + ']'.repeat(64)));
  assert.throws(() => parseStrict('['.repeat(65) + ']'.repeat(65)), /nesting too deep/);
  // a value as deep as a document can hold canonicalizes (inside [name, value])
  const deep = parseStrict('{"f":' + '['.repeat(63) + ']'.repeat(63) + '}');
  assert.doesNotThrow(() => canonicalize(['f', deep.f]));
});

test('bytes: invalid UTF-8 is refused', () => {
  assert.throws(() => parseStrictBytes(Uint8Array.of(0x22, 0xff, 0x22)), /UTF-8/);
  assert.equal(parseStrictBytes(new TextEncoder().encode('"é"')), 'é');
  assert.throws(() => parseStrictBytes(Uint8Array.of(0xef, 0xbb, 0xbf, 0x7b, 0x7d)), /byte order mark/);
});
