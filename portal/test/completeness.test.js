// The resident's completeness check in the browser (src/proofs/) against the Python implementation:
// test/vectors/completeness-vectors.json, written by scripts/make_completeness_vectors.py, holds
// what ledger/subject_map.py, ledger/merkle.py, ledger/seals.py and verify_my_access decide.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  ChainError, ChainMismatchError, ResidentChain, checkMyAccess, headMessage, summary,
} from '../src/proofs/completeness.js';
import { MapProofError, ZERO_ACC, chain, chainStep, checkComplete, mapLeafHash, mapLogId } from '../src/proofs/subject_map.js';
import { TimeError, checkOpening, effectiveUntil, parseTime, sealOf, withinReach } from '../src/proofs/seals.js';
import { Malformed, pyEqual, pyFromhex, pyIn, pyInt, pyStr, pyTruthy } from '../src/proofs/py.js';
import { selector } from '../../verifier-js/src/chain.js';
import { fromHex, toHex, utf8 } from '../../verifier-js/src/bytes.js';
import { leafHash, rootOfLeafHashes, verifyConsistency, verifyInclusion } from '../../verifier-js/src/merkle.js';
import { personalMessageDigest } from '../../verifier-js/src/eip712.js';
import { recoverAddress } from '../../verifier-js/src/signature.js';
import { toChecksumAddress } from '../../verifier-js/src/address.js';

const V = JSON.parse(readFileSync(new URL('./vectors/completeness-vectors.json', import.meta.url), 'utf8'));
const hex = (h) => fromHex(h);

test('the vector file is the one this test reads, and is not empty', () => {
  assert.equal(V.format, 'gridledger-portal-completeness-vectors/1');
  assert.ok(V.subject_map.length >= 40);
  assert.ok(V.merkle.inclusion.length >= 15 && V.merkle.consistency.length >= 10);
  assert.ok(V.parse_time.length >= 50);
  assert.ok(V.scenarios.length >= 25);
  assert.ok(V.scenarios.some((s) => s.expect.valid === true) && V.scenarios.some((s) => s.expect.valid === false));
});

// ---------------------------------------------------------------- the subject map (§S)

test('§S-8 spec vector: the chain of C, the map root, map_log_id', () => {
  const d = Array.from({ length: 6 }, (_, i) => utf8(`entry-${i}`));
  const A = new Uint8Array(32).fill(0x11);
  const B = new Uint8Array(32).fill(0x22);
  const C = new Uint8Array(32).fill(0x33);
  const c = chain([[1, d[1]], [2, d[2]], [5, d[5]]]);
  assert.equal(c.count, 3);
  assert.equal(toHex(c.acc), '0xadadc0a6ed7ba348f88b6537137dcbaf829e17327e2e92a33fb540bff99bbaf5');
  const leaf = (key, entries) => {
    const { count, acc } = chain(entries);
    return mapLeafHash(key, count, acc);
  };
  const root = rootOfLeafHashes([leaf(A, [[0, d[0]]]), leaf(B, [[0, d[0]], [2, d[2]]]), leaf(C, [[1, d[1]], [2, d[2]], [5, d[5]]])]);
  assert.equal(toHex(root), '0xb8898cef53ac58e8a9c0aaafb9657e32f1567be7b1dbe4d149902aed7aff1611');
  assert.equal(toHex(mapLogId(new Uint8Array(32).fill(0xab))), '0x7ed9ebb0ecce2c13857c6d3f78ac0856b0274a196b1cb6b48127f17f959bd788');
  assert.throws(() => mapLogId(new Uint8Array(31)));
  assert.deepEqual(chain([]), { count: 0, acc: ZERO_ACC });
  assert.equal(toHex(chainStep(ZERO_ACC, 0, leafHash(d[0]))), toHex(chain([[0, d[0]]]).acc));
});

/** Python's message, or (where a Merkle path failed) the part before verifier-js's own words. */
function sameProblem(js, py, merkle = /^(entry .* is not in the log|the subject's leaf|the left neighbour|the right neighbour): /) {
  const m = py.match(merkle);
  if (m) return js.startsWith(m[0]);
  if (py.startsWith('consistency proof')) return js.startsWith('consistency proof');
  return js === py;
}

test('check_complete: every subject-map case decides as Python does', () => {
  let passed = 0;
  for (const c of V.subject_map) {
    const entries = c.entries.map(([idx, lh]) => [idx, hex(lh)]);
    const run = () => checkComplete(fromHex(c.key, { prefix: false }), entries, c.proof, hex(c.root), { hashed: true });
    if ('count' in c.expect) {
      assert.equal(run(), c.expect.count, c.name);
      passed++;
    } else {
      assert.throws(run, (e) => {
        assert.ok(e instanceof MapProofError, `${c.name}: ${e}`);
        if (c.expect.merkle) assert.equal(e.message.split(': ')[0], c.expect.error.split(': ')[0], c.name);
        else assert.equal(e.message, c.expect.error, c.name);
        return true;
      }, c.name);
    }
  }
  assert.ok(passed >= 5);
});

test('check_complete: the named cases the brief asks for are there and decide as expected', () => {
  const by = Object.fromEntries(V.subject_map.map((c) => [c.name, c]));
  assert.equal(by.complete.expect.count, 7);
  for (const name of ['an entry left out', 'a wrong count in the proof', 'a proof for another key', 'absent, but an entry is listed']) {
    assert.ok('error' in by[name].expect, name);
  }
  assert.equal(by['absent: between two neighbours'].expect.count, 0);
});

// ---------------------------------------------------------------- the log's proofs

test('log inclusion and consistency: verifier-js decides as ledger/merkle.py on the resident\'s uses', () => {
  for (const c of V.merkle.inclusion) {
    assert.equal(verifyInclusion(hex(c.leaf_hash), c.idx, c.size, c.proof.map(hex), hex(c.root)), c.ok, c.name);
  }
  for (const c of V.merkle.consistency) {
    assert.equal(verifyConsistency(c.old_size, c.new_size, c.proof.map(hex), hex(c.old_root), hex(c.new_root)), c.ok, c.name);
  }
  assert.ok(V.merkle.inclusion.filter((c) => c.ok).length >= 10);
  assert.ok(V.merkle.consistency.filter((c) => c.ok).length >= 7);
});

// ---------------------------------------------------------------- dates, seals, heads

test('parse_time: every spelling is read (or refused) as CPython\'s datetime.fromisoformat reads it', () => {
  for (const { text, us } of V.parse_time) {
    if (us === null) assert.throws(() => parseTime(text), TimeError, JSON.stringify(text));
    else assert.equal(parseTime(text), BigInt(us), JSON.stringify(text));
  }
  assert.throws(() => parseTime(20270101), Malformed); // Python: text.strip() fails on an int
});

test('within_reach: two years from the seal\'s own time', () => {
  for (const c of V.within_reach) {
    if (c.raises) assert.throws(() => withinReach(c.at, c.until), Malformed, `${c.at} ${c.until}`);
    else assert.equal(withinReach(c.at, c.until), c.ok, `${c.at} ${c.until}`);
  }
  assert.throws(() => withinReach(null, '2027-01-01'), Malformed);
  assert.equal(withinReach(null, 'bad'), false); // the date is read first: Python returns False before reading `at`
});

test('seals: the seal of an opened entry, check_opening and effective_until as Python', () => {
  assert.equal(sealOf(V.seals.seal.opened), V.seals.seal.seal);
  for (const c of V.seals.openings) assert.deepEqual(checkOpening(c.stub, c.opened), c.problems, c.name);
  for (const c of V.seals.effective_until) assert.equal(effectiveUntil(c.stub, c.extensions), c.until, c.name);
  assert.throws(() => sealOf([1]), Malformed);
});

test('signed log heads: the message and its signer', () => {
  for (const c of V.head) {
    assert.equal(headMessage(hex(c.log_id), c.size, hex(c.root)), c.message);
    assert.equal(recoverAddress(personalMessageDigest(c.message), hex(c.signature)), c.signer);
  }
});

test('Python value semantics the check relies on', () => {
  assert.ok(pyEqual(1, true) && pyEqual(0, false) && pyEqual([1, { a: null }], [true, { a: undefined }]));
  assert.ok(!pyEqual('1', 1) && !pyEqual([1], [1, 2]) && !pyEqual({ a: 1 }, { b: 1 }));
  assert.ok(!pyTruthy([]) && !pyTruthy({}) && !pyTruthy('') && !pyTruthy(0) && pyTruthy('x') && pyTruthy([0]));
  assert.equal(pyStr(null), 'None');
  assert.equal(pyStr(true), 'True');
  assert.ok(pyIn('ab', 'xaby') && pyIn('k', { k: 1 }) && pyIn(1, [true]) && !pyIn('k', ['K']));
  assert.throws(() => pyIn(1, 'abc'), Malformed);
  assert.throws(() => pyIn('a', null), Malformed);
  assert.equal(pyInt(' 1_000 '), 1000);
  assert.equal(pyInt(7.9), 7);
  assert.equal(pyInt(true), 1);
  assert.throws(() => pyInt('0x10'), Malformed);
  assert.throws(() => pyInt(null), Malformed);
  assert.deepEqual([...pyFromhex('0xab cd')], [0xab, 0xcd]);
  assert.deepEqual([...pyFromhex('ABcd')], [0xab, 0xcd]);
  assert.throws(() => pyFromhex('0xa b'), Malformed);
  assert.throws(() => pyFromhex(12), Malformed);
});

// ---------------------------------------------------------------- whole histories (checkMyAccess)

/** The chain object checkMyAccess reads, in memory, from a scenario's `chain`. */
class FakeChain {
  constructor(c) {
    this.c = c;
  }

  async chainId() {
    return this.c.chain_id;
  }

  async logHeadCount(org, logId) {
    return (this.c.log_heads[org]?.[logId] ?? []).length;
  }

  async logHeadAt(org, logId, index) {
    const head = this.c.log_heads[org][logId][index];
    return { treeSize: head.tree_size, anchoredAt: head.anchored_at, blockNumber: head.block_number, root: head.root };
  }

  async membershipOf(address) {
    const m = this.c.members[toChecksumAddress(address)];
    return m ? { org: m.org, roles: m.roles } : { org: null, roles: 0 };
  }

  async getOrg(org) {
    const o = this.c.orgs[org];
    return o ? { kind: o.kind, parent: o.parent, active: o.active, name: o.name } : null;
  }

  async latestBlockTime() {
    return this.c.block_time;
  }
}

function listingsOf(s, asked) {
  return async (mapSize) => {
    const which = mapSize === null ? 'null' : String(mapSize);
    asked.push(which);
    if (!(which in s.listings)) throw new Error(`the port asked for a listing Python did not: ${which}`);
    return structuredClone(s.listings[which]);
  };
}

function assertSameVerdict(v, s) {
  const e = s.expect;
  if (e.raises) {
    // Python raises on this answer (no verdict); the port reports it, never as complete
    assert.equal(v.complete, false, s.name);
    assert.match(v.problems.at(-1), /^the gateway's answer is malformed: /, s.name);
    return;
  }
  assert.equal(v.complete, e.valid, `${s.name}: ${v.problems.join(' | ')}`);
  assert.equal(v.covered, e.covered, s.name);
  assert.equal(v.entries, e.entries, s.name);
  assert.equal(v.mapSize, e.map_size, s.name);
  assert.equal(v.logSize, e.log_size, s.name);
  assert.equal(v.problems.length, e.problems.length, `${s.name}:\n  js: ${v.problems.join('\n      ')}\n  py: ${e.problems.join('\n      ')}`);
  v.problems.forEach((p, i) => assert.ok(sameProblem(p, e.problems[i]), `${s.name}: ${p} <> ${e.problems[i]}`));
}

for (const s of V.scenarios) {
  test(`checkMyAccess, as verify_my_access: ${s.name}`, async () => {
    const asked = [];
    const v = await checkMyAccess({ fetchListing: listingsOf(s, asked), chain: new FakeChain(s.chain), now: s.now });
    assert.deepEqual(asked, s.expect.asked, s.name);
    assertSameVerdict(v, s);
  });
}

test('checkMyAccess: the three cases the brief names', async () => {
  const by = Object.fromEntries(V.scenarios.map((s) => [s.name, s]));
  const run = (s) => checkMyAccess({ fetchListing: listingsOf(s, []), chain: new FakeChain(s.chain), now: s.now });
  const complete = await run(by['complete: every entry below the anchored size, later ones included']);
  assert.deepEqual([complete.complete, complete.covered, complete.mapSize, complete.logSize, complete.problems], [true, 6, 8, 11, []]);
  assert.match(summary(complete), /^access history verified: 6 entries about you in the first 8 log entries/);
  const removed = await run(by['an entry below the anchored size removed from the listing']);
  assert.equal(removed.complete, false);
  assert.deepEqual(removed.problems, ['5 entries listed but the anchored map says 6']);
  const otherRoot = await run(by['the listing served against another head root (signed by the operator)']);
  assert.equal(otherRoot.complete, false);
  assert.ok(otherRoot.problems.some((p) => p.startsWith('consistency proof')));
  assert.match(summary(otherRoot), /^INCOMPLETE or INVALID access history: /);
});

test('checkMyAccess: without `now`, the seal dates are judged by the chain\'s newest block', async () => {
  const s = V.scenarios.find((x) => x.name === 'a seal past its date still withheld');
  const v = await checkMyAccess({ fetchListing: listingsOf(s, []), chain: new FakeChain(s.chain) });
  assertSameVerdict(v, s);
  const early = await checkMyAccess({ fetchListing: listingsOf(s, []), chain: new FakeChain({ ...s.chain, block_time: s.now - 40 * 86400 }) });
  assert.ok(!early.problems.some((p) => p.includes('still withheld'))); // before the date it may stay shut
});

test('checkMyAccess: a node on another chain than the address book\'s is refused before anything is read', async () => {
  const s = V.scenarios[0];
  let fetched = false;
  await assert.rejects(
    checkMyAccess({ fetchListing: async () => { fetched = true; }, chain: new FakeChain(s.chain), addressBook: { chain_id: 1 }, now: s.now }),
    ChainMismatchError,
  );
  assert.equal(fetched, false);
  const v = await checkMyAccess({ fetchListing: listingsOf(s, []), chain: new FakeChain(s.chain), addressBook: { chain_id: 31337 }, now: s.now });
  assert.equal(v.complete, true);
});

test('checkMyAccess: a chain that cannot be read gives no verdict (ChainError)', async () => {
  const s = V.scenarios[0];
  const broken = new FakeChain(s.chain);
  broken.logHeadCount = async () => {
    throw new ChainError('the chain node does not answer');
  };
  await assert.rejects(checkMyAccess({ fetchListing: listingsOf(s, []), chain: broken, now: s.now }), ChainError);
});

test('checkMyAccess: answers Python would crash on are problems, never complete', async () => {
  const s = V.scenarios[0];
  const cases = {
    'no head': (l) => delete l.head,
    'entries not a list': (l) => { l.entries = 5; },
    'an entry not an object': (l) => { l.entries[0] = 'x'; },
    'a proof hash not hex': (l) => { l.entries[0].proof[0] = 'zz'; },
    'an idx that is a string': (l) => { l.entries.find((e) => e.redacted).idx = '2'; },
    'subject_keys null': (l) => {
      const e = l.entries[0];
      e.leaf = e.leaf.replace(/"subject_keys":\[[^\]]*\]/, '"subject_keys":null');
    },
    'a leaf with a lone surrogate': (l) => { l.entries[0].leaf = l.entries[0].leaf.replace('"read"', '"r\ud800"'); },
    'a bad log id': (l) => { l.head.log_id = '0x1234'; },
    'an org that is no slug': (l) => { l.head.org = 'Grid Operator'; },
  };
  for (const [name, edit] of Object.entries(cases)) {
    const fetchListing = async () => {
      const l = structuredClone(s.listings.null);
      edit(l);
      return l;
    };
    const v = await checkMyAccess({ fetchListing, chain: new FakeChain(s.chain), now: s.now });
    assert.equal(v.complete, false, name);
    assert.ok(v.problems.some((p) => p.startsWith("the gateway's answer is malformed: ")), `${name}: ${v.problems}`);
  }
});

// ---------------------------------------------------------------- ResidentChain over JSON-RPC

/** A fake `fetch` answering JSON-RPC from a table of eth_call answers (the rpc vectors). */
function tableNode(r, log = []) {
  return async (url, init) => {
    const req = JSON.parse(init.body);
    log.push(req.method);
    let body;
    if (req.method === 'eth_chainId') body = { result: '0x' + r.chain_id.toString(16) };
    else if (req.method === 'eth_getBlockByNumber') body = { result: { number: '0x10', timestamp: '0x' + r.block_timestamp.toString(16) } };
    else if (req.method === 'eth_call') {
      const { to, data } = req.params[0];
      const hit = r.calls.find((c) => c.to.toLowerCase() === to.toLowerCase() && c.data === data);
      body = hit ? { result: hit.result } : { error: { code: 3, message: 'execution reverted', data: '0x' } };
    } else body = { error: { code: -32601, message: 'no such method' } };
    return { ok: true, status: 200, json: async () => ({ jsonrpc: '2.0', id: req.id, ...body }) };
  };
}

test('ResidentChain: call data and answers as the contract artifacts encode them', async () => {
  const r = V.rpc;
  const node = new ResidentChain('http://node.invalid', { registry: r.registry, membership: r.membership, chain_id: r.chain_id }, { fetch: tableNode(r) });
  assert.equal(await node.chainId(), r.chain_id);
  assert.equal(await node.latestBlockTime(), r.block_timestamp);
  for (const read of r.reads) assert.deepEqual(await node[read.fn](...read.args), read.value, read.fn);
  await assert.rejects(node.logHeadAt('grid-operator', r.reads[0].args[1], 9), ChainError); // reverts
  await assert.rejects(node.logHeadCount('Not A Slug', r.reads[0].args[1]), TypeError);
});

test('ResidentChain: a node answering garbage is a ChainError', async () => {
  const answer = (body) => async (url, init) => ({ ok: true, status: 200, json: async () => ({ id: JSON.parse(init.body).id, ...body }) });
  const book = { registry: V.rpc.registry, membership: V.rpc.membership };
  const logId = '0x' + '00'.repeat(32);
  await assert.rejects(new ResidentChain('u', book, { fetch: answer({ result: '0x' }) }).logHeadCount('a', logId), ChainError);
  await assert.rejects(new ResidentChain('u', book, { fetch: answer({ result: '0x' + '00'.repeat(33) }) }).logHeadCount('a', logId), ChainError);
  await assert.rejects(new ResidentChain('u', book, { fetch: answer({ result: '0x' + '00'.repeat(3 * 32) }) }).logHeadAt('a', logId, 0), ChainError);
  await assert.rejects(new ResidentChain('u', book, { fetch: answer({ result: { timestamp: 12 } }) }).latestBlockTime(), ChainError);
  await assert.rejects(new ResidentChain('u', book, { fetch: answer({ result: '0x' + '00'.repeat(31) + '20' + '00'.repeat(64) }) }).getOrg('a'), ChainError);
  const unreachable = new ResidentChain('u', book, { fetch: async () => { throw new TypeError('fetch failed'); } });
  await assert.rejects(unreachable.membershipOf('0x' + '11'.repeat(20)), ChainError);
});

// A JSON-RPC node simulating the two contracts from a scenario's chain: checkMyAccess over a real
// ResidentChain (selectors, ABI words), end to end but for the HTTP.
function contractNode(c, book) {
  const word = (n) => BigInt(n).toString(16).padStart(64, '0');
  const slugWord = (s) => (s === null ? '00'.repeat(32) : toHex(utf8(s)).slice(2).padEnd(64, '0'));
  const slugOf = (w) => Buffer.from(w, 'hex').toString('latin1').replace(/\0+$/, '');
  const S = Object.fromEntries(['logHeadCount(bytes32,bytes32)', 'logHeadAt(bytes32,bytes32,uint256)', 'membershipOf(address)', 'getOrg(bytes32)']
    .map((sig) => [selector(sig).slice(2), sig.split('(')[0]]));
  const call = (to, data) => {
    const fn = S[data.slice(2, 10)];
    const args = data.slice(10).match(/.{64}/g) ?? [];
    const heads = () => c.log_heads[slugOf(args[0])]?.['0x' + args[1]] ?? [];
    if (to === book.registry && fn === 'logHeadCount') return word(heads().length);
    if (to === book.registry && fn === 'logHeadAt') {
      const h = heads()[Number(BigInt('0x' + args[2]))];
      if (!h) return null;
      return word(h.tree_size) + word(h.anchored_at) + word(h.block_number) + h.root.slice(2);
    }
    if (to === book.membership && fn === 'membershipOf') {
      const m = c.members[toChecksumAddress('0x' + args[0].slice(24))];
      return m ? slugWord(m.org) + word(m.roles) : '00'.repeat(64);
    }
    if (to === book.membership && fn === 'getOrg') {
      const o = c.orgs[slugOf(args[0])] ?? { kind: 0, parent: null, active: false, name: '' };
      const name = Buffer.from(o.name, 'utf8').toString('hex');
      return word(32) + word(o.kind) + slugWord(o.parent) + word(o.active ? 1 : 0) + word(128) + word(name.length / 2)
        + name.padEnd(Math.ceil(name.length / 64) * 64, '0');
    }
    return null;
  };
  return async (url, init) => {
    const req = JSON.parse(init.body);
    let body;
    if (req.method === 'eth_chainId') body = { result: '0x' + c.chain_id.toString(16) };
    else if (req.method === 'eth_getBlockByNumber') body = { result: { timestamp: '0x' + c.block_time.toString(16) } };
    else {
      const out = call(req.params[0].to, req.params[0].data);
      body = out === null ? { error: { code: 3, message: 'execution reverted', data: '0x' } } : { result: '0x' + out };
    }
    return { ok: true, status: 200, json: async () => ({ jsonrpc: '2.0', id: req.id, ...body }) };
  };
}

test('checkMyAccess over a ResidentChain (JSON-RPC): the same verdicts as over the in-memory chain', async () => {
  const book = { chain_id: 31337, registry: V.rpc.registry, membership: V.rpc.membership };
  for (const name of [
    'complete: every entry below the anchored size, later ones included',
    'the listing served against another head root (signed by the operator)',
    "the chain's newest map is older than the gateway's (asked again at its size)",
    'an extension by someone who is no office\'s admin or auditor',
    'the head signed by a member who is no anchorer',
  ]) {
    const s = V.scenarios.find((x) => x.name === name);
    const node = new ResidentChain('http://node.invalid', book, { fetch: contractNode(s.chain, book) });
    const v = await checkMyAccess({ fetchListing: listingsOf(s, []), chain: node, addressBook: book });
    assertSameVerdict(v, s);
  }
});
