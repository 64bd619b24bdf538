// RFC 8785 canonicalization against cyberphone's reference set and 100,000 ES6 numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { canonicalBytes, canonicalize, JcsError } from '../src/jcs.js';
import { fromUtf8 } from '../src/bytes.js';
import { missing, sharedVectors } from '../testlib/paths.js';

const rfc8785 = path.join(sharedVectors, 'rfc8785');
const skip = missing(rfc8785) ?? false;

test('RFC 8785 reference set: input → output, byte for byte (and outhex)', { skip }, () => {
  const names = readdirSync(path.join(rfc8785, 'input')).filter((n) => n.endsWith('.json')).sort();
  assert.ok(names.length >= 6, `only ${names.length} JCS cases`);
  for (const name of names) {
    const input = JSON.parse(readFileSync(path.join(rfc8785, 'input', name), 'utf8'));
    const expected = readFileSync(path.join(rfc8785, 'output', name));
    const got = canonicalBytes(input);
    assert.equal(fromUtf8(got), fromUtf8(expected), name);
    assert.deepEqual(Buffer.from(got), expected, name);
    const hex = readFileSync(path.join(rfc8785, 'outhex', name.replace(/\.json$/, '.txt')), 'utf8')
      .trim().split(/\s+/).join('');
    assert.equal(Buffer.from(got).toString('hex'), hex, `${name} outhex`);
  }
});

test('RFC 8785 ES6 numbers: all 100,000 lines of es6numbers-100k.txt', { skip }, () => {
  const lines = readFileSync(path.join(rfc8785, 'es6numbers-100k.txt'), 'utf8').split('\n').filter(Boolean);
  assert.equal(lines.length, 100000);
  const view = new DataView(new ArrayBuffer(8));
  let checked = 0;
  for (const line of lines) {
    const [hex, expected] = line.split(',');
    view.setBigUint64(0, BigInt('0x' + hex));
    const x = view.getFloat64(0);
    if (!Number.isFinite(x)) {
      assert.throws(() => canonicalize(x), JcsError, line);
      continue;
    }
    const got = canonicalize(x);
    if (got !== expected) assert.fail(`line ${checked + 1}: ${hex} → ${got}, expected ${expected}`);
    checked++;
  }
  assert.ok(checked >= 99990);
});

test('JCS: strings, order, refusals', () => {
  assert.equal(canonicalize({ b: 1, a: [true, null, 'x'] }), '{"a":[true,null,"x"],"b":1}');
  assert.equal(canonicalize('\u0000\u001f\u007f\u2028"\\/'), '"\\u0000\\u001f\u007f\u2028\\"\\\\/"');
  assert.equal(canonicalize(-0), '0');
  assert.equal(canonicalize({ '\ud83d\ude02': 1, '\ufb33': 2 }), '{"\ud83d\ude02":1,"\ufb33":2}');
  assert.throws(() => canonicalize('\ud800'), JcsError);
  assert.throws(() => canonicalize(NaN), JcsError);
  assert.throws(() => canonicalize(Infinity), JcsError);
  assert.throws(() => canonicalize(undefined), JcsError);
  assert.throws(() => canonicalize(1n), JcsError);
  assert.throws(() => canonicalize([1, , 2]), JcsError); // eslint-disable-line no-sparse-arrays
  assert.throws(() => canonicalize(new Date(0)), JcsError);
});
