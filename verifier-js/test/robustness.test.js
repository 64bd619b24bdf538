// "A verifier MUST NOT crash on any input" (§V, malformed input): every mutation of a genuine
// receipt and disclosure yields a verdict, never an exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { StaticChain } from '../src/chain.js';
import { readAddressBook } from '../src/documents.js';
import { verifyReceipt, CHECKS } from '../src/verify.js';
import { projectVectors, readJson } from '../testlib/paths.js';

const vectors = readJson(path.join(projectVectors, 'verification.json'));
const book = readAddressBook(vectors.address_book);
const chain = new StaticChain(vectors.chain);
const genuine = vectors.cases.find((c) => c.expect.valid && c.disclosure);

function prng(seed) {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
}

async function verdictOf(receipt, disclosure) {
  const v = await verifyReceipt({ receipt, disclosure, addressBook: book, chain });
  assert.equal(typeof v.valid, 'boolean');
  assert.ok(v.valid ? v.check === null : CHECKS.includes(v.check));
  return v;
}

test('every member replaced by a value of every other type: a verdict, and not valid', async () => {
  const odd = [null, true, false, 0, -1, 1.5, 2 ** 53 - 1, 1e300, '', 'x', '0x', '0x' + '00'.repeat(32), [], [1], {}, { a: 1 }];
  const paths = [];
  const walk = (v, p) => {
    if (v && typeof v === 'object') for (const k of Object.keys(v)) { paths.push([...p, k]); walk(v[k], [...p, k]); }
  };
  const r0 = JSON.parse(genuine.receipt);
  const d0 = JSON.parse(genuine.disclosure);
  walk(r0, ['r']);
  walk(d0, ['d']);
  let n = 0;
  for (const p of paths) {
    for (const value of odd) {
      const docs = { r: structuredClone(r0), d: structuredClone(d0) };
      let o = docs;
      for (const k of p.slice(0, -1)) o = o[k];
      if (JSON.stringify(o[p.at(-1)]) === JSON.stringify(value)) continue;
      o[p.at(-1)] = value;
      const v = await verdictOf(JSON.stringify(docs.r), JSON.stringify(docs.d));
      // a disclosed value may legitimately be anything, and a few numbers are equal spellings
      if (!(p[0] === 'd' && p.at(-1) === 'value')) assert.equal(v.valid, false, `${p.join('.')} = ${JSON.stringify(value)}`);
      n++;
    }
    // and the member removed
    const docs = { r: structuredClone(r0), d: structuredClone(d0) };
    let o = docs;
    for (const k of p.slice(0, -1)) o = o[k];
    delete o[p.at(-1)];
    const v = await verdictOf(JSON.stringify(docs.r), JSON.stringify(docs.d));
    if (!(p[0] === 'd' && p[1] === 'fields' && p.length === 3)) assert.equal(v.valid, false, `${p.join('.')} removed`); // (a field less is a partial disclosure)
  }
  assert.ok(n > 500);
});

test('3,000 random byte-level mutations of the texts: always a verdict', async () => {
  const rand = prng(20261203);
  const alphabet = '{}[]",:0123456789.eE+-abcdefxABCDEF \\u\n\t\ud800\udc00é€😀nulltruefalse';
  let valid = 0;
  for (let i = 0; i < 3000; i++) {
    const which = rand() < 0.7 ? 'receipt' : 'disclosure';
    let text = which === 'receipt' ? genuine.receipt : genuine.disclosure;
    const edits = 1 + Math.floor(rand() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rand() * (text.length + 1));
      const kind = rand();
      const ch = alphabet[Math.floor(rand() * alphabet.length)];
      if (kind < 0.4) text = text.slice(0, at) + ch + text.slice(at + 1);
      else if (kind < 0.7) text = text.slice(0, at) + ch + text.slice(at);
      else if (kind < 0.9) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 4));
      else text = text.slice(0, at);
    }
    const v = which === 'receipt' ? await verdictOf(text, genuine.disclosure) : await verdictOf(genuine.receipt, text);
    if (v.valid) valid++;
  }
  // an edit in white space keeps a valid receipt valid; hardly any other edit may
  assert.ok(valid < 300, `${valid} mutations still valid`);
});
