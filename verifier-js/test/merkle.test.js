// RFC 6962 / RFC 9162 Merkle code against the outside cases (transparency-dev/merkle) and
// GridLedger's own tests/vectors/merkle.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

import { fromBase64, fromHex, toHex, utf8 } from '../src/bytes.js';
import {
  checkConsistency, consistencyProof, inclusionProof, leafHash, merkleRoot,
  verifyConsistency, verifyInclusion, MerkleError,
} from '../src/merkle.js';
import { missing, projectVectors, readJson, sharedVectors } from '../testlib/paths.js';

const rfc6962 = path.join(sharedVectors, 'rfc6962');

function jsonFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...jsonFiles(p));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

const b64 = (s) => fromBase64(s ?? '');
const b64list = (l) => (l ?? []).map(b64);

// Cases where GridLedger's verifier is deliberately stricter than the outside data: every
// hash must be 32 bytes (SHA-256), and this case holds 12-byte "roots". See
// docs/decisions/0013-js-verifier.md.
const STRICTER = {
  'consistency/additional/sizes-are-equal-one-and-proof-is-empty.json':
    'roots are 12 bytes; equal sizes with equal roots and an empty proof are otherwise accepted',
};

const skipRfc = missing(rfc6962);

test('RFC 6962 outside cases: inclusion', { skip: skipRfc ?? false }, () => {
  const files = jsonFiles(path.join(rfc6962, 'inclusion'));
  assert.ok(files.length >= 90, `only ${files.length} inclusion cases found`);
  let valid = 0;
  for (const f of files) {
    const c = readJson(f);
    const name = path.relative(rfc6962, f);
    const got = verifyInclusion(b64(c.leafHash), c.leafIdx, c.treeSize, b64list(c.proof), b64(c.root));
    assert.equal(got, !c.wantErr, `${name} (${c.desc}): expected ${c.wantErr ? 'invalid' : 'valid'}`);
    if (got) valid++;
  }
  assert.ok(valid >= 6, 'the happy paths verify');
});

test('RFC 6962 outside cases: consistency', { skip: skipRfc ?? false }, () => {
  const files = jsonFiles(path.join(rfc6962, 'consistency'));
  assert.ok(files.length >= 90, `only ${files.length} consistency cases found`);
  for (const f of files) {
    const c = readJson(f);
    const name = path.relative(rfc6962, f);
    const got = verifyConsistency(c.size1, c.size2, b64list(c.proof), b64(c.root1), b64(c.root2));
    if (STRICTER[name]) {
      assert.equal(c.wantErr, false, `${name} changed upstream: review STRICTER`);
      assert.equal(got, false, `${name}: must be refused (${STRICTER[name]})`);
      // The same shape with 32-byte roots is accepted.
      const r = new Uint8Array(32).fill(7);
      assert.equal(verifyConsistency(c.size1, c.size2, [], r, r), true);
      continue;
    }
    assert.equal(got, !c.wantErr, `${name} (${c.desc}): expected ${c.wantErr ? 'invalid' : 'valid'}`);
  }
});

test('RFC 6962 outside cases: every happy path fails when any proof byte flips', { skip: skipRfc ?? false }, () => {
  for (const kind of ['inclusion', 'consistency']) {
    for (const f of jsonFiles(path.join(rfc6962, kind)).filter((x) => x.endsWith('happy-path.json'))) {
      const c = readJson(f);
      const proof = b64list(c.proof);
      for (let k = 0; k < proof.length; k++) {
        const bad = proof.map((p) => Uint8Array.from(p));
        bad[k][5] ^= 0x40;
        const ok = kind === 'inclusion'
          ? verifyInclusion(b64(c.leafHash), c.leafIdx, c.treeSize, bad, b64(c.root))
          : verifyConsistency(c.size1, c.size2, bad, b64(c.root1), b64(c.root2));
        assert.equal(ok, false, `${f} proof[${k}] flipped`);
      }
    }
  }
});

const merkleVectors = readJson(path.join(projectVectors, 'merkle.json'));

test('tests/vectors/merkle.json: roots, inclusion and consistency', () => {
  let checked = 0;
  for (const [size, v] of Object.entries(merkleVectors)) {
    const leaves = v.leaves.map(utf8);
    assert.equal(leaves.length, Number(size));
    const root = fromHex(v.root, { length: 32 });
    assert.equal(toHex(merkleRoot(leaves)), v.root.toLowerCase(), `root of ${size}`);
    v.inclusion.forEach((proofHex, i) => {
      const proof = proofHex.map((h) => fromHex(h, { length: 32 }));
      assert.deepEqual(inclusionProof(leaves, i).map(toHex), proofHex.map((h) => h.toLowerCase()));
      assert.ok(verifyInclusion(leafHash(leaves[i]), i, leaves.length, proof, root), `inclusion ${i}/${size}`);
      // wrong index, wrong size, truncated or extended proof: refused
      if (leaves.length > 1) {
        assert.ok(!verifyInclusion(leafHash(leaves[i]), (i + 1) % leaves.length, leaves.length, proof, root));
      }
      // (the same proof may also verify with a larger tree size: an inclusion proof does not
      // bind the size, which is why a receipt's tree size is checked against the chain)
      assert.ok(!verifyInclusion(leafHash(leaves[i]), i, leaves.length, [...proof, root], root));
      if (proof.length) assert.ok(!verifyInclusion(leafHash(leaves[i]), i, leaves.length, proof.slice(1), root));
      checked++;
    });
    for (const [m, proofHex] of Object.entries(v.consistency)) {
      const size1 = Number(m);
      const proof = proofHex.map((h) => fromHex(h, { length: 32 }));
      const root1 = merkleRoot(leaves.slice(0, size1));
      assert.deepEqual(consistencyProof(leaves, size1).map(toHex), proofHex.map((h) => h.toLowerCase()));
      checkConsistency(size1, leaves.length, proof, root1, root);
      if (proof.length) {
        assert.ok(!verifyConsistency(size1, leaves.length, proof.slice(0, -1), root1, root));
        assert.ok(!verifyConsistency(size1, leaves.length, [...proof, root], root1, root));
      }
      checked++;
    }
  }
  assert.ok(checked > 50);
});

test('hashes must be 32 bytes, sizes safe integers; lengths checked before hashing', () => {
  const leaf = leafHash(utf8('x'));
  assert.equal(verifyInclusion(leaf, 0, 1, [], leaf), true);
  assert.equal(verifyInclusion(leaf.slice(0, 31), 0, 1, [], leaf.slice(0, 31)), false);
  assert.equal(verifyInclusion(leaf, 0, 1.5, [], leaf), false);
  assert.equal(verifyInclusion(leaf, -1, 1, [], leaf), false);
  assert.equal(verifyInclusion(leaf, 0, 2 ** 60, [], leaf), false);
  assert.throws(() => checkConsistency(0, 0, [], leaf, leaf), MerkleError);
  // a million-hash proof for a 2-leaf tree is refused without hashing it
  const huge = new Array(1_000_000).fill(leaf);
  const t = Date.now();
  assert.equal(verifyInclusion(leaf, 0, 2, huge, leaf), false);
  assert.ok(Date.now() - t < 2000);
});

test('random trees: every inclusion and consistency proof verifies (sizes 1..70)', () => {
  for (let n = 1; n <= 70; n++) {
    const leaves = Array.from({ length: n }, (_, k) => utf8(`L${n}-${k}`));
    const root = merkleRoot(leaves);
    for (let i = 0; i < n; i++) {
      assert.ok(verifyInclusion(leafHash(leaves[i]), i, n, inclusionProof(leaves, i), root));
    }
    for (let m = 1; m <= n; m++) {
      checkConsistency(m, n, consistencyProof(leaves, m), merkleRoot(leaves.slice(0, m)), root);
    }
  }
});
