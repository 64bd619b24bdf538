// Running the vector sets on already-loaded data, so that Node (tests, CLI) and a browser page
// run exactly the same code and can compare answers.

import { fromBase64, fromHex, toHex, utf8 } from './bytes.js';
import { canonicalize } from './jcs.js';
import {
  leafHash, merkleRoot, rootOfLeafHashes, inclusionProof, consistencyProof, verifyInclusion, verifyConsistency,
} from './merkle.js';
import { entryDigest } from './eip712.js';
import { recoverAddress } from './signature.js';
import { fieldSalt, fieldLeafHash, commitment } from './commitments.js';
import { readAddressBook, isObject, VECTORS_FORMAT, RECEIPT_FORMAT, CheckFailure } from './documents.js';
import { StaticChain } from './chain.js';
import { verifyReceipt, entryLeaf } from './verify.js';

export class VectorFileError extends Error {}

/**
 * Every case of a gridledger-vectors/1 file (§T-1): {case name: {valid, check}}.
 * Throws VectorFileError when the file itself is not such a file.
 */
export async function runVerification(vectors, { details = false } = {}) {
  if (!isObject(vectors)) throw new VectorFileError('the vector file is not a JSON object');
  if (vectors.format !== VECTORS_FORMAT) throw new VectorFileError(`the vector file's format is not ${VECTORS_FORMAT}`);
  if (vectors.spec !== undefined && vectors.spec !== RECEIPT_FORMAT) {
    throw new VectorFileError(`the vector file is for ${JSON.stringify(String(vectors.spec)).slice(0, 60)}, this verifier implements ${RECEIPT_FORMAT}`);
  }
  if (!isObject(vectors.chain) || !Array.isArray(vectors.cases)) throw new VectorFileError('the vector file has no chain or no cases');
  let book;
  try {
    book = readAddressBook(vectors.address_book);
  } catch (e) {
    if (e instanceof CheckFailure) throw new VectorFileError(`the vector file's address book is not valid: ${e.reason}`);
    throw e;
  }
  let chain;
  try {
    chain = new StaticChain(vectors.chain);
  } catch (e) {
    throw new VectorFileError(`the vector file's chain is malformed: ${e.message}`);
  }
  const out = {};
  for (const c of vectors.cases) {
    if (!isObject(c) || typeof c.name !== 'string') throw new VectorFileError('a case has no name');
    if (Object.prototype.hasOwnProperty.call(out, c.name)) throw new VectorFileError(`two cases are named ${JSON.stringify(c.name)}`);
    const v = await verifyReceipt({ receipt: c.receipt, disclosure: c.disclosure ?? null, addressBook: book, chain });
    out[c.name] = details ? v : { valid: v.valid, check: v.check };
  }
  return out;
}

/** tests/vectors/merkle.json: {"<size>/root": hex, "<size>/inclusion/<i>": bool, ...} */
export function runMerkle(merkle) {
  const out = {};
  for (const [size, v] of Object.entries(merkle)) {
    const leaves = v.leaves.map(utf8);
    const root = merkleRoot(leaves);
    out[`${size}/root`] = toHex(root) === v.root.toLowerCase();
    v.inclusion.forEach((proof, i) => {
      out[`${size}/inclusion/${i}`] = verifyInclusion(leafHash(leaves[i]), i, leaves.length, proof.map((h) => fromHex(h)), fromHex(v.root))
        && inclusionProof(leaves, i).map(toHex).join() === proof.map((h) => h.toLowerCase()).join();
    });
    for (const [m, proof] of Object.entries(v.consistency)) {
      const root1 = merkleRoot(leaves.slice(0, Number(m)));
      out[`${size}/consistency/${m}`] = verifyConsistency(Number(m), leaves.length, proof.map((h) => fromHex(h)), root1, fromHex(v.root))
        && consistencyProof(leaves, Number(m)).map(toHex).join() === proof.map((h) => h.toLowerCase()).join();
    }
  }
  return out;
}

/** RFC 6962 outside cases {name: case}: {name: verified?} */
export function runRfc6962(inclusion, consistency) {
  const b64 = (s) => fromBase64(s ?? '');
  const out = {};
  for (const [name, c] of Object.entries(inclusion)) {
    out[`inclusion/${name}`] = verifyInclusion(b64(c.leafHash), c.leafIdx, c.treeSize, (c.proof ?? []).map(b64), b64(c.root));
  }
  for (const [name, c] of Object.entries(consistency)) {
    out[`consistency/${name}`] = verifyConsistency(c.size1, c.size2, (c.proof ?? []).map(b64), b64(c.root1), b64(c.root2));
  }
  return out;
}

/** RFC 8785 cases {name: {input: text}} and the ES6 numbers file: canonical texts and a summary. */
export function runJcs(cases, es6numbers) {
  const out = {};
  for (const [name, c] of Object.entries(cases)) out[`jcs/${name}`] = canonicalize(JSON.parse(c.input));
  if (es6numbers !== null && es6numbers !== undefined) {
    const view = new DataView(new ArrayBuffer(8));
    let ok = 0;
    let bad = 0;
    let firstBad = null;
    for (const line of es6numbers.split('\n')) {
      if (!line) continue;
      const [hex, expected] = line.split(',');
      view.setBigUint64(0, BigInt('0x' + hex));
      const x = view.getFloat64(0);
      if (!Number.isFinite(x)) continue;
      if (canonicalize(x) === expected) ok++;
      else {
        bad++;
        firstBad ??= line;
      }
    }
    out['es6numbers'] = { ok, bad, firstBad };
  }
  return out;
}

/** tests/vectors/records.json: every derived value, recomputed, compared. {"<record>/<what>": bool} */
export function runRecords(records) {
  const out = {};
  const { chain_id: chainId, registry } = records.domain;
  const leaves = [];
  records.records.forEach((r, k) => {
    const p = `record ${k}`;
    const secret = fromHex(r.record_secret, { length: 32 });
    out[`${p}/salts`] = Object.entries(r.salts).every(([f, s]) => toHex(fieldSalt(secret, f)) === s.toLowerCase())
      && Object.keys(r.salts).sort().join() === Object.keys(r.payload).sort().join();
    out[`${p}/commitment`] = toHex(commitment(r.payload, secret)) === r.commitment.toLowerCase();
    out[`${p}/entry_canonical`] = canonicalize(r.entry) === r.entry_canonical;
    out[`${p}/entry_digest`] = toHex(entryDigest(r.entry, chainId, registry)) === r.entry_digest.toLowerCase();
    out[`${p}/signature`] = recoverAddress(fromHex(r.entry_digest), r.entry.signature) === r.entry.committer
      && r.entry.committer === records.committer;
    const d = r.disclosure;
    out[`${p}/disclosure`] = d.record_id === r.record_id && d.field_count === Object.keys(r.payload).length
      && Object.entries(d.fields).every(([name, f]) => {
        const leaf = fieldLeafHash(fromHex(f.salt, { length: 32 }), name, f.value);
        return f.salt === r.salts[name]
          && verifyInclusion(leaf, f.index, d.field_count, f.proof.map((h) => fromHex(h)), fromHex(r.commitment));
      });
    leaves.push(entryLeaf(r.entry));
  });
  out['batch_root'] = toHex(rootOfLeafHashes(leaves)) === records.batch_root.toLowerCase();
  records.receipts.forEach((rc, k) => {
    out[`receipt ${k}/inclusion`] = toHex(entryLeaf(rc.entry)) === toHex(leaves[k])
      && rc.batch.root === records.batch_root
      && verifyInclusion(entryLeaf(rc.entry), rc.inclusion.leaf_index, rc.inclusion.tree_size,
        rc.inclusion.proof.map((h) => fromHex(h)), fromHex(rc.batch.root));
  });
  return out;
}

/** Everything at once (what the browser test runs in the page and in Node). */
export async function runAll(data) {
  const out = {};
  if (data.merkle) out.merkle = runMerkle(data.merkle);
  if (data.rfc6962) out.rfc6962 = runRfc6962(data.rfc6962.inclusion, data.rfc6962.consistency);
  if (data.rfc8785) out.rfc8785 = runJcs(data.rfc8785.cases, data.rfc8785.es6numbers);
  if (data.records) out.records = runRecords(data.records);
  if (data.verification) out.verification = await runVerification(data.verification);
  return out;
}
