// bin/gridledger-verify.js: `vectors` (exact JSON for the cross-language comparison) and
// `verify` (exit 0 valid, 1 invalid, 2 bad input or no chain) on good and malformed input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { runVerification } from '../src/vectorset.js';
import { projectVectors, readJson } from '../testlib/paths.js';
import { recordsWorld } from '../testlib/records-chain.js';
import { fakeNode, freePort, oneLine, runCli } from '../testlib/cli.js';

const verificationFile = path.join(projectVectors, 'verification.json');
const records = readJson(path.join(projectVectors, 'records.json'));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'gridledger-verify-cli-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const file = (name, content) => {
  const p = path.join(tmp, name);
  writeFileSync(p, typeof content === 'string' || content instanceof Uint8Array ? content : JSON.stringify(content));
  return p;
};

test('vectors FILE prints exactly {case: {valid, check}} for every case, in file order', async () => {
  const vectors = readJson(verificationFile);
  const r = await runCli(['vectors', verificationFile]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const out = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(out), vectors.cases.map((c) => c.name));
  for (const c of vectors.cases) {
    assert.deepEqual(Object.keys(out[c.name]), ['valid', 'check']);
    assert.deepEqual(out[c.name], { valid: c.expect.valid, check: c.expect.check }, c.name);
  }
  assert.deepEqual(out, await runVerification(vectors));
  const compared = await runCli(['vectors', verificationFile, '--compare']);
  assert.equal(compared.code, 0);
  assert.match(compared.stderr, /(\d+) of \1 cases as expected/);
});

test('vectors: a malformed vector file is one clear line and exit 2', async () => {
  const good = readJson(verificationFile);
  const bad = {
    'not-json.json': '{"format": ',
    'not-utf8.json': Uint8Array.of(0x7b, 0xff, 0x7d),
    'array.json': [],
    'wrong-format.json': { ...good, format: 'gridledger-vectors/2' },
    'other-spec.json': { ...good, spec: 'gridledger-receipt/2' },
    'no-cases.json': { ...good, cases: undefined },
    'no-chain.json': { ...good, chain: 7 },
    'bad-book.json': { ...good, address_book: { ...good.address_book, registry: good.address_book.registry.toLowerCase() } },
    'nameless-case.json': { ...good, cases: [{ receipt: '{}' }] },
  };
  for (const [name, content] of Object.entries(bad)) {
    const r = await runCli(['vectors', file(name, content)]);
    assert.equal(r.code, 2, `${name}: ${r.stdout}${r.stderr}`);
    assert.ok(oneLine(r.stderr), `${name}: ${r.stderr}`);
    assert.equal(r.stdout, '');
  }
  for (const args of [['vectors'], ['vectors', path.join(tmp, 'absent.json')], ['frobnicate'], [], ['vectors', 'a', 'b'], ['vectors', '--nope', 'x']]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.ok(!/\n\s+at /.test(r.stderr), r.stderr);
  }
});

test('vectors: a case whose documents are not texts, or hostile texts, gets a verdict', async () => {
  const good = readJson(verificationFile);
  const genuine = good.cases.find((c) => c.expect.valid && c.disclosure);
  const cases = [
    ['receipt-number', 5, null, 'json'],
    ['receipt-null', null, null, 'json'],
    ['receipt-object', { format: 'x' }, null, 'json'],
    ['deep', '['.repeat(50000) + ']'.repeat(50000), null, 'json'],
    ['huge-int', genuine.receipt.replace('"version": 1', '"version": 123456789012345678901234567890'), null, 'json'],
    ['nan', genuine.receipt.replace('"version": 1', '"version": NaN'), null, 'json'],
    ['version-1e0', genuine.receipt.replace('"version": 1', '"version": 1e0'), genuine.disclosure, null],
    ['disclosure-array', genuine.receipt, '[]', 'format'],
    ['disclosure-bad-json', genuine.receipt, '{', 'json'],
    ['entry-array', genuine.receipt.replace(/"entry": \{[^}]*\}/, '"entry": []'), null, 'format'],
    ['entry-missing', genuine.receipt.replace(/"entry": \{[^}]*\}, /, ''), null, 'schema'],
    ['slug-newline', genuine.receipt.replace('"org": "rc-sunshine"', '"org": "rc-sunshine\\n"'), null, 'schema'],
    ['hex-newline', genuine.receipt.replace(/"commitment": "(0x[0-9a-f]{64})"/, '"commitment": "$1\\n"'), null, 'schema'],
  ];
  assert.ok(genuine.receipt.includes('"version": 1'), 'the genuine receipt text is spelled as this test expects');
  const vectors = { ...good, cases: cases.map(([name, receipt, disclosure]) => ({ name, receipt, disclosure, expect: {} })) };
  const r = await runCli(['vectors', file('hostile.json', vectors)]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  for (const [name, , , check] of cases) {
    assert.deepEqual(out[name], { valid: check === null, check }, name);
  }
});

// ---- verify, against a chain node (a small fake node here; a real anvil in anvil.test.js)

const { book, chain } = recordsWorld(records);
const bookFile = file('book.json', book);
const receipt = records.receipts[1];
const disclosure = records.records[1].disclosure;

test('verify: bad input is one clear line and exit 2', async () => {
  const port = await freePort();
  const rpc = `http://127.0.0.1:${port}`;
  const rf = file('receipt.json', receipt);
  const df = file('record.json', disclosure);
  const runs = {
    'missing receipt': ['verify', df, path.join(tmp, 'nope.json'), '--rpc', rpc, '--address-book', bookFile],
    'missing record': ['verify', path.join(tmp, 'nope.json'), rf, '--rpc', rpc, '--address-book', bookFile],
    'receipt not JSON': ['verify', df, file('nan.json', '{"format": NaN}'), '--rpc', rpc, '--address-book', bookFile],
    'receipt a list': ['verify', df, file('list.json', '[1, 2]'), '--rpc', rpc, '--address-book', bookFile],
    'receipt of format 2': ['verify', df, file('r2.json', { ...receipt, format: 'gridledger-receipt/2' }), '--rpc', rpc, '--address-book', bookFile],
    'record swapped with receipt': ['verify', rf, df, '--rpc', rpc, '--address-book', bookFile],
    'record not JSON': ['verify', file('bad.json', '{"a": 1, "a": 2}'), rf, '--rpc', rpc, '--address-book', bookFile],
    'no --rpc': ['verify', df, rf, '--address-book', bookFile],
    'no --address-book': ['verify', df, rf, '--rpc', rpc],
    'bad --rpc': ['verify', df, rf, '--rpc', 'not a url', '--address-book', bookFile],
    'ftp --rpc': ['verify', df, rf, '--rpc', 'ftp://127.0.0.1/', '--address-book', bookFile],
    'address book missing': ['verify', df, rf, '--rpc', rpc, '--address-book', path.join(tmp, 'nope.json')],
    'address book not JSON': ['verify', df, rf, '--rpc', rpc, '--address-book', file('b1.json', 'nope')],
    'address book huge int': ['verify', df, rf, '--rpc', rpc, '--address-book', file('b2.json', JSON.stringify(book).replace('"chain_id":31337', '"chain_id":99999999999999999999'))],
    'address book wrong type': ['verify', df, rf, '--rpc', rpc, '--address-book', file('b3.json', { ...book, chain_id: '31337' })],
    'address book 0x artifacts': ['verify', df, rf, '--rpc', rpc, '--address-book', file('b5.json', { ...book, artifacts: { Membership: '0x' + 'ab'.repeat(32) } })],
    'address book without format': ['verify', df, rf, '--rpc', rpc, '--address-book', file('b6.json', { ...book, format: undefined })],
    'address book lower-case registry': ['verify', df, rf, '--rpc', rpc, '--address-book', file('b4.json', { ...book, registry: book.registry.toLowerCase() })],
    'node unreachable': ['verify', df, rf, '--rpc', rpc, '--address-book', bookFile],
    'one positional': ['verify', rf, '--rpc', rpc, '--address-book', bookFile],
    'unknown option': ['verify', df, rf, '--rpc', rpc, '--address-book', bookFile, '--fast'],
  };
  for (const [name, args] of Object.entries(runs)) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${name}: ${r.stdout}${r.stderr}`);
    assert.ok(!/\n\s+at /.test(r.stderr), `${name}: ${r.stderr}`);
    if (!['one positional', 'unknown option'].includes(name)) assert.ok(oneLine(r.stderr), `${name}: ${r.stderr}`);
    assert.equal(r.stdout, '', name);
  }
});

test('verify: a receipt that breaks its schema is an invalid verdict (exit 1) naming the member, not the value', async () => {
  const secret = 'SECRET-VALUE-1234567890';
  const r = await runCli(['verify', file('d.json', disclosure),
    file('r.json', { ...receipt, entry: { ...receipt.entry, org: secret } }),
    '--rpc', 'http://127.0.0.1:9', '--address-book', bookFile]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /INVALID\s+\(schema\) receipt\.entry\.org: is not of the form slug/);
  assert.ok(!r.stdout.includes(secret));
  const fields = await runCli(['verify', file('d2.json', { ...disclosure, fields: { [secret]: { value: secret, salt: 1, index: 0, proof: [] } } }),
    file('r2.json', receipt), '--rpc', 'http://127.0.0.1:9', '--address-book', bookFile]);
  assert.equal(fields.code, 1, fields.stderr);
  assert.ok(!fields.stdout.includes(secret), fields.stdout);
});

/** A node serving recordsWorld's chain over JSON-RPC, with `overrides` per method. */
async function worldNode(overrides = {}) {
  const { ABI, selector } = await import('../src/chain.js');
  const batch = Object.values(chain.batches)[0];
  const tx = Object.values(chain.transactions)[0];
  const word = (hex) => hex.replace(/^0x/, '').padStart(64, '0');
  return fakeNode((method, params) => {
    if (overrides[method]) return overrides[method](params);
    if (method === 'eth_chainId') return { result: '0x' + chain.chain_id.toString(16) };
    if (method === 'eth_getTransactionReceipt') {
      return params[0] === receipt.anchor.tx_hash
        ? { result: { status: '0x1', blockNumber: '0x' + tx.block_number.toString(16), logs: tx.logs } }
        : { result: null };
    }
    if (method === 'eth_call') {
      const data = params[0].data;
      if (params[0].to === book.registry) {
        assert.ok(data.startsWith(selector(ABI.getBatch)));
        const id = '0x' + data.slice(10);
        if (id !== receipt.batch.id) return { error: { code: 3, message: 'execution reverted', data: selector(ABI.RegistryUnknownBatch) + data.slice(10) } };
        return { result: '0x' + word(batch.root) + word(Buffer.from(batch.org).toString('hex').padEnd(64, '0')) + word(batch.anchorer.toLowerCase())
          + word(batch.size.toString(16)) + word(batch.anchored_at.toString(16)) + word(batch.block_number.toString(16)) };
      }
      assert.equal(params[0].to, book.membership);
      assert.ok(data.startsWith(selector(ABI.membershipAt)));
      return { result: '0x' + word(Buffer.from('rc-sunshine').toString('hex').padEnd(64, '0')) + word('2') };
    }
    return { error: { code: -32601, message: 'no such method' } };
  });
}

test('verify against a node over JSON-RPC: valid (0), tampered (1), wrong chain and odd answers (2)', async () => {
  const rf = file('receipt.json', receipt);
  const df = file('record.json', disclosure);
  let node = await worldNode();
  try {
    const ok = await runCli(['verify', df, rf, '--rpc', node.url, '--address-book', bookFile]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^VALID\s+record 00000000-0000-4000-8000-000000000001 version 1/m);
    assert.match(ok.stdout, /all 5 fields proven/);
    assert.equal((ok.stdout.match(/^PASS /gm) ?? []).length, 13);
    const json = await runCli(['verify', df, rf, '--rpc', node.url, '--address-book', bookFile, '--json']);
    assert.equal(JSON.parse(json.stdout).valid, true);
    const only = await runCli(['verify', '--receipt-only', rf, '--rpc', node.url, '--address-book', bookFile]);
    assert.equal(only.code, 0, only.stdout);
    assert.match(only.stdout, /only the entry is proven/);
    const tampered = await runCli(['verify', file('t.json', { ...disclosure, fields: { ...disclosure.fields, household: { ...disclosure.fields.household, value: '3-2-502' } } }),
      rf, '--rpc', node.url, '--address-book', bookFile]);
    assert.equal(tampered.code, 1, tampered.stdout);
    assert.match(tampered.stdout, /^INVALID\s+\(disclosure-proof\)/m);
    const unknown = await runCli(['verify', df, file('u.json', { ...receipt, batch: { ...receipt.batch, id: '0x' + '33'.repeat(32) } }),
      '--rpc', node.url, '--address-book', bookFile]);
    assert.equal(unknown.code, 1, unknown.stdout + unknown.stderr);
    assert.match(unknown.stdout, /^INVALID\s+\(batch-anchored\)/m);
  } finally {
    await node.close();
  }
  const odd = {
    'wrong chain': { eth_chainId: () => ({ result: '0x5' }) },
    'chain id not hex': { eth_chainId: () => ({ result: 'five' }) },
    'HTTP 500': { eth_chainId: () => ({ raw: 'oops', status: 500 }) },
    'not JSON': { eth_chainId: () => ({ raw: '<html>' }) },
    'a revert that is not RegistryUnknownBatch': { eth_call: () => ({ error: { code: 3, message: 'execution reverted', data: '0x12345678' } }) },
    'no contract': { eth_call: () => ({ result: '0x' }) },
    'short tuple': { eth_call: () => ({ result: '0x' + '00'.repeat(40) }) },
    'odd receipt': { eth_getTransactionReceipt: () => ({ result: { status: '0x1', blockNumber: 'x', logs: [] } }) },
  };
  for (const [name, overrides] of Object.entries(odd)) {
    node = await worldNode(overrides);
    try {
      const r = await runCli(['verify', df, rf, '--rpc', node.url, '--address-book', bookFile]);
      assert.equal(r.code, 2, `${name}: ${r.stdout}${r.stderr}`);
      assert.ok(oneLine(r.stderr), `${name}: ${r.stderr}`);
    } finally {
      await node.close();
    }
  }
});
