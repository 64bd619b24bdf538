// tests/vectors/verification.json (§T-1): every case's verdict and first failing check, the
// labelled intermediate digests; tests/vectors/records.json: every derived value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { fromHex, toHex } from '../src/bytes.js';
import { canonicalize } from '../src/jcs.js';
import { parseStrict } from '../src/ijson.js';
import { domainSeparator, entryDigest, RECORD_ENTRY_TYPEHASH, RECORD_ENTRY2_TYPEHASH } from '../src/eip712.js';
import { BATCH_ANCHORED_TOPIC, StaticChain } from '../src/chain.js';
import { readAddressBook } from '../src/documents.js';
import { verifyReceipt, entryLeaf, batchIdFormula, CHECKS } from '../src/verify.js';
import { runVerification, runRecords } from '../src/vectorset.js';
import { projectVectors, readJson } from '../testlib/paths.js';
import { recordsWorld } from '../testlib/records-chain.js';

const verificationFile = path.join(projectVectors, 'verification.json');
const vectors = existsSync(verificationFile) ? readJson(verificationFile) : null;
const records = readJson(path.join(projectVectors, 'records.json'));

test('verification.json: every case gives its expected verdict and first failing check', { skip: vectors ? false : 'tests/vectors/verification.json is absent' }, async () => {
  assert.equal(vectors.format, 'gridledger-vectors/1');
  const got = await runVerification(vectors);
  const wrong = [];
  for (const c of vectors.cases) {
    const want = { valid: c.expect.valid, check: c.expect.check };
    if (got[c.name].valid !== want.valid || got[c.name].check !== want.check) {
      wrong.push(`${c.name}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got[c.name])} (${c.description})`);
    }
  }
  assert.deepEqual(wrong, [], `${wrong.length} of ${vectors.cases.length} cases disagree:\n${wrong.join('\n')}`);
  assert.ok(vectors.cases.length >= 50);
  // every check code of §V is exercised, and every case's code is one of them
  const codes = new Set(vectors.cases.map((c) => c.expect.check).filter(Boolean));
  for (const code of codes) assert.ok(CHECKS.includes(code), code);
  for (const code of CHECKS) assert.ok(codes.has(code), `no case fails ${code}`);
});

test('verification.json: the labelled digests of the genuine case', { skip: vectors ? false : 'absent' }, () => {
  const genuine = vectors.cases.find((c) => c.expect.valid && c.disclosure);
  const receipt = parseStrict(genuine.receipt);
  const typed = parseStrict(vectors.cases.find((c) => c.name === 'valid-format-2').receipt).entry;
  assert.equal(typed.format, 2);
  const book = vectors.address_book;
  const d = vectors.digests;
  const want = {
    record_entry_typehash: toHex(RECORD_ENTRY_TYPEHASH),
    domain_separator: toHex(domainSeparator(book.chain_id, book.registry)),
    commitment: receipt.entry.commitment,
    entry_digest: toHex(entryDigest(receipt.entry, book.chain_id, book.registry)),
    entry_canonical: canonicalize(receipt.entry),
    entry_leaf: toHex(entryLeaf(receipt.entry)),
    batch_root: receipt.batch.root,
    batch_id_formula: toHex(batchIdFormula(fromHex(receipt.batch.root))),
    batch_anchored_topic: BATCH_ANCHORED_TOPIC,
    record_entry2_typehash: toHex(RECORD_ENTRY2_TYPEHASH),
    entry2_digest: toHex(entryDigest(typed, book.chain_id, book.registry)),
    entry2_canonical: canonicalize(typed),
    entry2_leaf: toHex(entryLeaf(typed)),
  };
  for (const [label, value] of Object.entries(d)) {
    assert.ok(label in want, `a digest label this test does not know: ${label}`);
    assert.equal(value, want[label], label);
  }
});

test('verification.json: a verdict names each check once, in the order of §V', { skip: vectors ? false : 'absent' }, async () => {
  const book = readAddressBook(vectors.address_book);
  const chain = new StaticChain(vectors.chain);
  for (const c of vectors.cases) {
    const v = await verifyReceipt({ receipt: c.receipt, disclosure: c.disclosure, addressBook: book, chain });
    const order = v.checks.map((x) => CHECKS.indexOf(x.check));
    const afterDocs = order.filter((_, k) => !['json', 'format', 'schema'].includes(v.checks[k].check));
    assert.deepEqual(afterDocs, [...afterDocs].sort((a, b) => a - b), c.name);
    if (v.valid) {
      assert.equal(v.checks.filter((x) => x.status === 'fail').length, 0);
      assert.ok(v.proved && v.proved.record_id);
    } else {
      assert.equal(v.checks.find((x) => x.status === 'fail').check, v.check);
      assert.equal(typeof v.reason, 'string');
    }
  }
});

test('records.json: salts, commitments, canonical entries, digests, signatures, disclosures, batch root, receipts', () => {
  const out = runRecords(records);
  const bad = Object.entries(out).filter(([, ok]) => ok !== true).map(([k]) => k);
  assert.deepEqual(bad, []);
  assert.ok(Object.keys(out).length >= 4 * 6 + 1 + 4);
});

test('records.json receipts verify against a static chain, and each tampering fails its own check', async () => {
  const { book: bookDoc, chain: chainDoc } = recordsWorld(records);
  const book = readAddressBook(bookDoc);
  const chain = new StaticChain(chainDoc);
  const run = (receipt, disclosure) => verifyReceipt({
    receipt: JSON.stringify(receipt), disclosure: disclosure && JSON.stringify(disclosure), addressBook: book, chain,
  });
  for (const [k, rc] of records.receipts.entries()) {
    const v = await run(rc, records.records[k].disclosure);
    assert.equal(v.valid, true, `receipt ${k}: ${v.reason}`);
    assert.equal(v.proved.complete, true);
    assert.equal((await run(rc, null)).proved.fields, null);
  }
  const base = records.receipts[1];
  const disc = records.records[1].disclosure;
  const mutate = (f) => {
    const r = structuredClone(base);
    const d = structuredClone(disc);
    f(r, d);
    return [r, d];
  };
  const expectations = [
    ['format', (r) => { r.format = 'gridledger-receipt/2'; }],
    ['schema', (r) => { r.entry.committer = r.entry.committer.toLowerCase(); }],
    ['schema', (r) => { r.inclusion.extra = 1; }],
    ['version-rule', (r) => { r.entry.version = 2; }],
    ['trust-domain', (r) => { r.anchor.chain_id = 5; }],
    ['signature', (r) => { r.entry.type = 'case'; }],
    ['disclosure-record', (r, d) => { d.record_id = records.records[0].record_id; }],
    ['disclosure-proof', (r, d) => { d.fields.income.value = 3500.25; }],
    ['disclosure-proof', (r, d) => { d.fields.notes.value = 'x'; }],
    ['inclusion', (r) => { r.inclusion.leaf_index = 2; }],
    ['batch-anchored', (r) => { r.batch.id = '0x' + '11'.repeat(32); }],
    ['batch-facts', (r) => { r.anchor.anchored_at += 1; }],
    ['anchor-transaction', (r) => { r.anchor.tx_hash = '0x' + '22'.repeat(32); }],
  ];
  for (const [check, f] of expectations) {
    const [r, d] = mutate(f);
    const v = await run(r, d);
    assert.equal(v.check, check, `${f}: ${v.reason}`);
  }
});
