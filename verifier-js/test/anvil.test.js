// The JSON-RPC chain view against a REAL chain: anvil (contracts/node_modules, installed by
// ./scripts/bootstrap) loaded with tests/fixtures/base-install/state.json, where the fixture's
// receipt was really anchored. Real getBatch / membershipAt ABI answers, a real revert, real logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { repoRoot } from '../testlib/paths.js';
import { freePort, oneLine, runCli } from '../testlib/cli.js';

const ANVIL = path.join(repoRoot, 'contracts', 'node_modules', '.bin', 'anvil');
const FIXTURE = path.join(repoRoot, 'tests', 'fixtures', 'base-install');

let skip = false;
if (!existsSync(ANVIL) || !existsSync(path.join(FIXTURE, 'state.json'))) {
  skip = `ANVIL OR FIXTURE MISSING (${ANVIL}, ${FIXTURE}): run ./scripts/bootstrap; the real-chain test is SKIPPED`;
  process.stderr.write(`\n*** ${skip} ***\n\n`);
}

async function startAnvil() {
  const port = await freePort();
  const child = spawn(ANVIL, ['--host', '127.0.0.1', '--port', String(port), '--load-state', path.join(FIXTURE, 'state.json'), '--silent'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += c; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`anvil exited: ${stderr}`);
    try {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' });
      if (r.ok) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error('anvil did not answer in 30 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) };
}

test('verify against a real anvil: valid, tampered, unknown batch, misstated facts, wrong chain', { skip, timeout: 120_000 }, async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gridledger-verify-anvil-'));
  const node = await startAnvil();
  try {
    const file = (name, v) => {
      const p = path.join(tmp, name);
      writeFileSync(p, typeof v === 'string' ? v : JSON.stringify(v, null, 2));
      return p;
    };
    const record = path.join(FIXTURE, 'record.json');
    const receiptFile = path.join(FIXTURE, 'receipt.json');
    const receipt = JSON.parse(readFileSync(receiptFile, 'utf8'));
    const book = JSON.parse(readFileSync(path.join(FIXTURE, 'addressbook.json'), 'utf8'));
    const bookFile = path.join(FIXTURE, 'addressbook.json');
    const verify = (rec, rc, bk = bookFile, extra = []) => runCli(['verify', ...(rec ? [rec] : ['--receipt-only']), rc, '--rpc', node.url, '--address-book', bk, ...extra]);

    const ok = await verify(record, receiptFile);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^VALID\s+record 5b0c6a52-9a7e-4c1f-8d0e-3f1a2b4c5d6e/m);
    assert.match(ok.stdout, new RegExp(`anchored in block ${receipt.anchor.block_number} `));
    assert.match(ok.stdout, /PASS\s+type-version\s+type version registered for household/);  // format 2, checked on-chain
    assert.equal((await verify(null, receiptFile)).code, 0);

    const tampered = await verify(file('tampered.json', readFileSync(record, 'utf8').replace('Li Wei', 'Li Wai')), receiptFile);
    assert.equal(tampered.code, 1, tampered.stdout);
    assert.match(tampered.stdout, /^INVALID\s+\(disclosure-proof\)/m);

    const cases = [
      ['batch-anchored', { ...receipt, batch: { ...receipt.batch, id: '0x' + '44'.repeat(32) } }],
      ['batch-facts', { ...receipt, anchor: { ...receipt.anchor, block_number: receipt.anchor.block_number + 1 } }],
      ['batch-facts', { ...receipt, anchor: { ...receipt.anchor, anchored_at: receipt.anchor.anchored_at - 1 } }],
      ['anchor-transaction', { ...receipt, anchor: { ...receipt.anchor, tx_hash: '0x' + '55'.repeat(32) } }],
    ];
    for (const [check, rc] of cases) {
      const r = await verify(null, file(`${check}.json`, rc));
      assert.equal(r.code, 1, `${check}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^INVALID\\s+\\(${check}\\)`, 'm'));
    }
    // an anchoring transaction of another kind: the deployment's first transaction (block 1)
    const block1 = await (await fetch(node.url, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":["0x1",false]}' })).json();
    const otherTx = block1.result.transactions[0];
    const other = await verify(null, file('other-tx.json', { ...receipt, anchor: { ...receipt.anchor, tx_hash: otherTx } }));
    assert.equal(other.code, 1, other.stdout);
    assert.match(other.stdout, /^INVALID\s+\(anchor-transaction\)/m);

    // the book names another registry: trust-domain, and no chain read
    const otherRegistry = await verify(record, receiptFile, file('book-other.json', { ...book, registry: book.grants }));
    assert.equal(otherRegistry.code, 1);
    assert.match(otherRegistry.stdout, /^INVALID\s+\(trust-domain\)/m);

    // the book and the receipt say chain 5, the node is 31337: no verdict (exit 2)
    const wrongChain = await verify(null, file('chain5.json', { ...receipt, anchor: { ...receipt.anchor, chain_id: 5 } }),
      file('book5.json', { ...book, chain_id: 5 }));
    assert.equal(wrongChain.code, 2, wrongChain.stdout);
    assert.ok(oneLine(wrongChain.stderr));
    assert.match(wrongChain.stderr, /chain 31337.*chain is 5/);
  } finally {
    await node.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
});
