// RFC 6962 / RFC 9162 Merkle trees over SHA-256: leaf and node hashes, the Merkle Tree Hash,
// and verification of inclusion (RFC 9162 §2.1.3.2) and consistency (§2.1.4.2) proofs.
//
// Strictness, on purpose: every hash given to a verifier (leaf hash, root, proof element)
// must be exactly 32 bytes, and the proof's length is compared with the length the tree
// shape implies BEFORE anything is hashed, so a long proof costs nothing.

import { sha256 } from '@noble/hashes/sha2.js';
import { concat, equal } from './bytes.js';

export const HASH_SIZE = 32;
const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);
const MAX_SIZE = 2n ** 64n - 1n;

export class MerkleError extends Error {}

export function leafHash(data) {
  return sha256(concat(LEAF_PREFIX, data));
}

export function nodeHash(left, right) {
  return sha256(concat(NODE_PREFIX, left, right));
}

/** SHA-256 of the empty string: the Merkle Tree Hash of an empty list (RFC 9162 §2.1.1). */
export const EMPTY_ROOT = sha256(new Uint8Array(0));

/** The Merkle Tree Hash of a list of leaf data (byte arrays), RFC 9162 §2.1.1. */
export function merkleRoot(leaves) {
  return rootOfLeafHashes(leaves.map(leafHash));
}

/** The Merkle Tree Hash given leaf hashes (not leaf data). */
export function rootOfLeafHashes(hashes) {
  if (hashes.length === 0) return EMPTY_ROOT;
  const rec = (lo, hi) => {
    if (hi - lo === 1) return hashes[lo];
    const k = largestPow2Below(hi - lo);
    return nodeHash(rec(lo, lo + k), rec(lo + k, hi));
  };
  return rec(0, hashes.length);
}

/** The audit path of leaf `index` in the tree over `leaves` (leaf data), RFC 9162 §2.1.3.1. */
export function inclusionProof(leaves, index) {
  const hashes = leaves.map(leafHash);
  if (!(index >= 0 && index < hashes.length)) throw new MerkleError('leaf index out of range');
  const path = (m, lo, hi) => {
    const n = hi - lo;
    if (n === 1) return [];
    const k = largestPow2Below(n);
    if (m < k) return [...path(m, lo, lo + k), rootOfLeafHashes(hashes.slice(lo + k, hi))];
    return [...path(m - k, lo + k, hi), rootOfLeafHashes(hashes.slice(lo, lo + k))];
  };
  return path(index, 0, hashes.length);
}

function largestPow2Below(n) {
  // the largest power of two strictly less than n (n >= 2)
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function toSize(x, name) {
  if (typeof x === 'bigint') {
    if (x < 0n || x > MAX_SIZE) throw new MerkleError(`${name} out of range`);
    return x;
  }
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) {
    throw new MerkleError(`${name} must be a non-negative integer`);
  }
  return BigInt(x);
}

function checkHash(h, name) {
  if (!(h instanceof Uint8Array)) throw new MerkleError(`${name} must be bytes`);
  if (h.length !== HASH_SIZE) throw new MerkleError(`${name} must be ${HASH_SIZE} bytes, got ${h.length}`);
}

function checkProof(proof) {
  if (!Array.isArray(proof)) throw new MerkleError('proof must be an array');
  proof.forEach((p, i) => checkHash(p, `proof[${i}]`));
}

function bitLength(x) {
  let n = 0;
  while (x > 0n) {
    x >>= 1n;
    n++;
  }
  return n;
}

function popcount(x) {
  let n = 0;
  while (x > 0n) {
    n += Number(x & 1n);
    x >>= 1n;
  }
  return n;
}

function trailingZeros(x) {
  // x > 0
  let n = 0;
  while ((x & 1n) === 0n) {
    x >>= 1n;
    n++;
  }
  return n;
}

/** The number of hashes in the inclusion proof of `index` in a tree of `size` leaves. */
export function inclusionProofLength(index, size) {
  const i = toSize(index, 'index');
  const n = toSize(size, 'size');
  if (i >= n) throw new MerkleError('index is not below the tree size');
  const inner = bitLength(i ^ (n - 1n));
  const border = popcount(i >> BigInt(inner));
  return inner + border;
}

/**
 * Compute the root implied by an inclusion proof (RFC 9162 §2.1.3.2), or throw MerkleError.
 * @param {Uint8Array} leaf - the leaf HASH (32 bytes)
 */
export function rootFromInclusionProof(leaf, index, size, proof) {
  const i = toSize(index, 'leaf index');
  const n = toSize(size, 'tree size');
  checkHash(leaf, 'leaf hash');
  checkProof(proof);
  if (i >= n) throw new MerkleError(`leaf index ${i} is not below the tree size ${n}`);
  const want = inclusionProofLength(i, n);
  if (proof.length !== want) {
    throw new MerkleError(`inclusion proof has ${proof.length} hashes, the tree shape needs ${want}`);
  }
  let fn = i;
  let sn = n - 1n;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) throw new MerkleError('inclusion proof is too long');
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new MerkleError('inclusion proof is too short');
  return r;
}

/** True iff `proof` proves leaf hash `leaf` at `index` in the tree of `size` leaves with `root`. */
export function verifyInclusion(leaf, index, size, proof, root) {
  try {
    checkHash(root, 'root');
    return equal(rootFromInclusionProof(leaf, index, size, proof), root);
  } catch (e) {
    if (e instanceof MerkleError) return false;
    throw e;
  }
}

/** Like verifyInclusion but throws MerkleError with the reason instead of returning false. */
export function checkInclusion(leaf, index, size, proof, root) {
  checkHash(root, 'root');
  if (!equal(rootFromInclusionProof(leaf, index, size, proof), root)) {
    throw new MerkleError('inclusion proof does not lead to the root');
  }
}

/** The number of hashes in a consistency proof from `size1` to `size2` (0 < size1 <= size2). */
export function consistencyProofLength(size1, size2) {
  const m = toSize(size1, 'size1');
  const n = toSize(size2, 'size2');
  if (m === 0n || m > n) throw new MerkleError('need 0 < size1 <= size2');
  if (m === n) return 0;
  const shift = trailingZeros(m);
  const inner = bitLength((m - 1n) ^ (n - 1n)) - shift;
  const border = popcount((m - 1n) >> BigInt(bitLength((m - 1n) ^ (n - 1n))));
  const start = m === 1n << BigInt(shift) ? 0 : 1;
  return start + inner + border;
}

/**
 * Check a consistency proof (RFC 9162 §2.1.4.2) between a tree of `size1` leaves with root
 * `root1` and a tree of `size2` leaves with root `root2`; throws MerkleError when it fails.
 * A proof from the empty tree (size1 = 0) is refused: it proves nothing.
 */
export function checkConsistency(size1, size2, proof, root1, root2) {
  const m = toSize(size1, 'size1');
  const n = toSize(size2, 'size2');
  checkHash(root1, 'root1');
  checkHash(root2, 'root2');
  checkProof(proof);
  if (m === 0n) throw new MerkleError('a consistency proof from the empty tree proves nothing');
  if (m > n) throw new MerkleError(`size1 ${m} is larger than size2 ${n}`);
  if (m === n) {
    if (proof.length !== 0) throw new MerkleError('equal sizes need an empty proof');
    if (!equal(root1, root2)) throw new MerkleError('equal sizes but different roots');
    return;
  }
  const want = consistencyProofLength(m, n);
  if (proof.length !== want) {
    throw new MerkleError(`consistency proof has ${proof.length} hashes, the tree shapes need ${want}`);
  }
  // RFC 9162 §2.1.4.2 steps 1-7.
  let path = proof;
  if ((m & (m - 1n)) === 0n) path = [root1, ...proof];
  if (path.length === 0) throw new MerkleError('empty consistency proof');
  let fn = m - 1n;
  let sn = n - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) throw new MerkleError('consistency proof is too long');
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new MerkleError('consistency proof is too short');
  if (!equal(fr, root1)) throw new MerkleError('consistency proof does not lead to root1');
  if (!equal(sr, root2)) throw new MerkleError('consistency proof does not lead to root2');
}

export function verifyConsistency(size1, size2, proof, root1, root2) {
  try {
    checkConsistency(size1, size2, proof, root1, root2);
    return true;
  } catch (e) {
    if (e instanceof MerkleError) return false;
    throw e;
  }
}

/** A consistency proof from the first `size1` leaves to all `leaves` (RFC 9162 §2.1.4.1). */
export function consistencyProof(leaves, size1) {
  const hashes = leaves.map(leafHash);
  const n = hashes.length;
  if (!(size1 > 0 && size1 <= n)) throw new MerkleError('need 0 < size1 <= size2');
  const sub = (m, lo, hi, complete) => {
    const len = hi - lo;
    if (m === len) return complete ? [] : [rootOfLeafHashes(hashes.slice(lo, hi))];
    const k = largestPow2Below(len);
    if (m <= k) return [...sub(m, lo, lo + k, complete), rootOfLeafHashes(hashes.slice(lo + k, hi))];
    return [...sub(m - k, lo + k, hi, false), rootOfLeafHashes(hashes.slice(lo, lo + k))];
  };
  return sub(size1, 0, n, true);
}
