// Entry format 2 (§D-1, §P-4) and check type-version (§V-14) outside the vector file: the
// address book's optional record_types member, and the JSON-RPC read of RecordTypes.versionInfo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { concat, fromBigInt, toHex } from '../src/bytes.js';
import { slugWord } from '../src/eip712.js';
import { ABI, JsonRpcChain, StaticChain, selector } from '../src/chain.js';
import { CheckFailure, readAddressBook } from '../src/documents.js';
import { verifyReceipt } from '../src/verify.js';
import { projectVectors, readJson } from '../testlib/paths.js';

const vectors = readJson(path.join(projectVectors, 'verification.json'));
const RECORD_TYPES = '0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9';

test('an address book may name record_types (new books) or not (older ones), in EIP-55 form', () => {
  const { record_types: _, ...older } = vectors.address_book;
  assert.equal(readAddressBook(older).record_types, undefined);
  assert.equal(readAddressBook({ ...older, record_types: RECORD_TYPES }).record_types, RECORD_TYPES);
  assert.throws(() => readAddressBook({ ...older, record_types: RECORD_TYPES.toLowerCase() }),
    (e) => e instanceof CheckFailure && e.check === 'schema' && e.reason.includes('record_types'));
  assert.throws(() => readAddressBook({ ...older, record_types: null }),
    (e) => e instanceof CheckFailure && e.reason.includes('record_types'));
});

test('without a RecordTypes read a format-2 entry is verified, and the verdict says its version was not checked', async () => {
  const book = readAddressBook(vectors.address_book);
  const chain = new StaticChain(vectors.chain);
  chain.typeVersion = undefined; // a view over a deployment from before RecordTypes
  for (const name of ['valid-format-2', 'type-version-unregistered']) {
    const c = vectors.cases.find((x) => x.name === name);
    const v = await verifyReceipt({ receipt: c.receipt, disclosure: c.disclosure, addressBook: book, chain });
    assert.equal(v.valid, true, `${name}: ${v.reason}`);
    assert.equal(v.checks.find((x) => x.check === 'type-version').status, 'skip');
    assert.ok(v.notes.some((n) => n.includes('not checked on-chain')));
    assert.match(v.proved.type_version, /^0x[0-9a-f]{64}$/);
  }
  const one = vectors.cases.find((x) => x.name === 'valid-full-disclosure-0');
  const v1 = await verifyReceipt({ receipt: one.receipt, disclosure: one.disclosure, addressBook: book, chain });
  assert.equal(v1.proved.type_version, null);
  assert.deepEqual(v1.notes, []);
});

/** A node answering eth_call to versionInfo from a table {versionHash: name}, as the contract encodes it. */
function fakeNode(registered) {
  const calls = [];
  const word = (n) => fromBigInt(BigInt(n), 32);
  const fetch = async (_url, { body }) => {
    const { id, params: [{ to, data }] } = JSON.parse(body);
    calls.push(to);
    assert.equal(data.slice(0, 10), selector(ABI.versionInfo));
    const hash = `0x${data.slice(10)}`;
    const name = registered[hash];
    const answer = name === undefined
      ? { jsonrpc: '2.0', id, error: { code: 3, message: 'execution reverted', data: selector(ABI.TypesUnknownVersion) + data.slice(10) } }
      : {
        jsonrpc: '2.0',
        id,
        // offset 0x20; (name, index 1, registeredAt, registrant, offset of sensitiveFields); an empty string[]
        result: toHex(concat(word(32), slugWord(name), word(1), word(1_800_000_000), word(0xabc), word(5 * 32), word(0))),
      };
    return { ok: true, status: 200, json: async () => answer };
  };
  return { fetch, calls };
}

test('JsonRpcChain reads a type version from the book\'s RecordTypes: its name, or null on TypesUnknownVersion', async () => {
  const known = `0x${'ab'.repeat(32)}`;
  const node = fakeNode({ [known]: 'household' });
  const chain = new JsonRpcChain('http://node.invalid', { ...vectors.address_book, record_types: RECORD_TYPES }, { fetch: node.fetch });
  assert.deepEqual(await chain.typeVersion(known), { name: 'household' });
  assert.equal(await chain.typeVersion(`0x${'cd'.repeat(32)}`), null);
  assert.deepEqual(node.calls, [RECORD_TYPES, RECORD_TYPES]);
  const { record_types: _, ...older } = vectors.address_book;
  const old = new JsonRpcChain('http://node.invalid', older, { fetch: node.fetch });
  assert.equal(old.typeVersion, undefined); // a book from before RecordTypes: check type-version cannot be asked
});
