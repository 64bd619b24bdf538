// The subject map's client side (docs/spec/subject-map.md §S-1, §S-2, §S-4, §S-6), ported from
// ledger/subject_map.py: a subject's hash chain over its entries, the map's leaf, the check of a
// presence or absence proof against the anchored map root, and check_complete. Messages are
// Python's, word for word, except the inner reason of a failed Merkle path (verifier-js's words).
//
// Every malformed proof throws MapProofError, never another exception: the proof comes from the
// gateway, which the resident is checking.

import { sha256 } from '@noble/hashes/sha2.js';
import { concat, equal, fromBigInt, utf8 } from '../../../verifier-js/src/bytes.js';
import { EMPTY_ROOT, MerkleError, checkInclusion, leafHash } from '../../../verifier-js/src/merkle.js';
import { has, isObject, pyRepr } from './py.js';

export const ZERO_ACC = new Uint8Array(32);
export const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const CHAIN_PREFIX = Uint8Array.of(0x02);
const MAP_LOG_ID_PREFIX = utf8('gridledger-subject-map:');
const U64 = 2n ** 64n;
const PRESENT = new Set(['kind', 'index', 'count', 'acc', 'path', 'map_size']);
const ABSENT = new Set(['kind', 'map_size', 'left', 'right']);
const NEIGHBOUR = new Set(['index', 'key', 'count', 'acc', 'path']);

/** A subject-map proof is malformed, leads to another root, or the listing it covers is incomplete. */
export class MapProofError extends Error {}

class FieldError extends Error {}
class ChainValueError extends Error {} // Python's TypeError / ValueError inside chain()

const be8 = (n) => fromBigInt(BigInt(n), 8);

/** Fold one entry into a subject's chain (§S-1); the log index is hashed so entries cannot be re-ordered. */
export function chainStep(acc, idx, leafHashBytes) {
  if (acc.length !== 32 || leafHashBytes.length !== 32) {
    throw new ChainValueError('a chain value and a leaf hash are 32 bytes each');
  }
  if (!(BigInt(idx) >= 0n && BigInt(idx) < U64)) throw new ChainValueError(`log index ${idx} is not a uint64`);
  return sha256(concat(CHAIN_PREFIX, acc, be8(idx), leafHashBytes));
}

/**
 * `{count, acc}` over `[idx, leaf]` pairs in strictly increasing log order; `hashed`: the pairs
 * hold leaf hashes (entries shown as their hash), else leaf bytes.
 */
export function chain(entries, { hashed = false } = {}) {
  let count = 0;
  let acc = ZERO_ACC;
  let last = -1;
  for (const [idx, leaf] of entries) {
    // Python: type(idx) is not int (a bool is refused here too)
    if (typeof idx !== 'number' || !Number.isInteger(idx)) throw new ChainValueError(`log index ${pyRepr(idx)} is not an integer`);
    if (idx <= last) {
      throw new ChainValueError(`log index ${idx} follows ${last}: entries must be in strictly increasing log order`);
    }
    acc = chainStep(acc, idx, hashed ? leaf : leafHash(leaf));
    count += 1;
    last = idx;
  }
  return { count, acc };
}

/** The log id a log's maps are anchored under (§S-5). */
export function mapLogId(logId) {
  if (logId.length !== 32) throw new Error('an access-log id is 32 bytes');
  return sha256(concat(MAP_LOG_ID_PREFIX, logId));
}

/** The map leaf hash of one subject (§S-2): leaf_hash(key || be8(count) || acc). */
export function mapLeafHash(key, count, acc) {
  return leafHash(concat(key, be8(count), acc));
}

// ---------------------------------------------------------------- strict fields (ledger/fields.py)

const integer = (low, high) => (value) => {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new FieldError('must be an integer');
  if (!(low <= value && value <= high)) throw new FieldError(`must be an integer from ${low} to ${high}`);
  return value;
};

const HEX_RE = /^0x(?:[0-9a-f]{2})*$/;
const hash32 = (value) => {
  if (typeof value !== 'string' || !HEX_RE.test(value) || value.length !== 66) {
    throw new FieldError('must be 32 bytes as 0x and lower-case hex');
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(value.slice(2 + 2 * i, 4 + 2 * i), 16);
  return out;
};

const path64 = (value) => {
  if (!Array.isArray(value)) throw new FieldError('must be an array');
  if (value.length > 64) throw new FieldError('must have at most 64 items');
  return value.map(hash32);
};

const text = (value) => {
  if (typeof value !== 'string') throw new FieldError('must be a string');
  return value;
};

const nullable = (value) => {
  if (value === null) return null;
  if (!isObject(value)) throw new FieldError('must be an object');
  return value;
};

const COUNT = integer(1, MAX_SAFE);
const INDEX = integer(0, MAX_SAFE);

function field(data, name, parse, where = '') {
  if (!has(data, name)) throw new FieldError(`${where}${name} is missing`);
  try {
    return parse(data[name]);
  } catch (e) {
    if (e instanceof FieldError) throw new FieldError(`${where}${name} ${e.message}`);
    throw e;
  }
}

function closed(data, members, what) {
  const extra = Object.keys(data).filter((k) => !members.has(k)).sort();
  if (extra.length) throw new FieldError(`${what} has a member it does not define: ${pyRepr([...extra[0]].slice(0, 40).join(''))}`);
}

// ---------------------------------------------------------------- §S-4

/**
 * The `{count, acc}` the map under `root` holds for `key` (32 bytes each): `{0, ZERO_ACC}` for a
 * valid absence. Throws MapProofError.
 */
export function verifyMapProof(key, proof, root) {
  if (!(key instanceof Uint8Array) || key.length !== 32 || !(root instanceof Uint8Array) || root.length !== 32) {
    throw new MapProofError('a subject key and a map root are 32 bytes each');
  }
  try {
    if (!isObject(proof)) throw new FieldError('a map proof must be an object');
    return verify(key, proof, root);
  } catch (e) {
    if (e instanceof FieldError) throw new MapProofError(e.message);
    throw e;
  }
}

function verify(key, proof, root) {
  const kind = field(proof, 'kind', text);
  if (kind !== 'present' && kind !== 'absent') throw new MapProofError("a map proof's kind is 'present' or 'absent'");
  closed(proof, kind === 'present' ? PRESENT : ABSENT, `a ${kind} proof`);
  const size = field(proof, 'map_size', INDEX);
  if (kind === 'present') {
    const count = field(proof, 'count', COUNT);
    const acc = field(proof, 'acc', hash32);
    included(proof, size, mapLeafHash(key, count, acc), root, "the subject's leaf");
    return { count, acc };
  }
  const lo = neighbour(proof, 'left', size, root);
  const hi = neighbour(proof, 'right', size, root);
  if (lo === null && hi === null) {
    if (size !== 0) throw new MapProofError(`an absence proof in a map of ${size} leaves names no neighbour`);
    if (!equal(root, EMPTY_ROOT)) {
      throw new MapProofError('an absence proof claims an empty map but the anchored root is not the empty root');
    }
  }
  if (lo !== null && !(compare(lo.key, key) < 0)) throw new MapProofError("the left neighbour's key is not below the subject key");
  if (hi !== null && !(compare(key, hi.key) < 0)) throw new MapProofError("the right neighbour's key is not above the subject key");
  if (lo !== null && hi !== null && hi.index !== lo.index + 1) {
    throw new MapProofError(`the neighbours at ${lo.index} and ${hi.index} are not adjacent`);
  }
  if (lo === null && hi !== null && hi.index !== 0) throw new MapProofError('with no left neighbour the right one must be the first leaf');
  if (hi === null && lo !== null && lo.index !== size - 1) throw new MapProofError('with no right neighbour the left one must be the last leaf');
  return { count: 0, acc: ZERO_ACC };
}

function compare(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function neighbour(proof, side, size, root) {
  const value = field(proof, side, nullable);
  if (value === null) return null;
  closed(value, NEIGHBOUR, `the ${side} neighbour`);
  const where = `${side}.`;
  const key = field(value, 'key', hash32, where);
  const count = field(value, 'count', COUNT, where);
  const acc = field(value, 'acc', hash32, where);
  const index = included(value, size, mapLeafHash(key, count, acc), root, `the ${side} neighbour`, where);
  return { index, key };
}

function included(doc, size, leaf, root, what, where = '') {
  const index = field(doc, 'index', INDEX, where);
  const path = field(doc, 'path', path64, where);
  try {
    checkInclusion(leaf, index, size, path, root);
  } catch (e) {
    if (e instanceof MerkleError) throw new MapProofError(`${what}: ${e.message}`);
    throw e;
  }
  return index;
}

/**
 * §S-6: the number of entries about `key` if `entries` (`[idx, leaf bytes]`, or leaf hashes with
 * `hashed`) are all of them; MapProofError otherwise. `root` MUST be the map root anchored
 * on-chain, never one the gateway states.
 */
export function checkComplete(key, entries, proof, root, { hashed = false } = {}) {
  const { count, acc } = verifyMapProof(key, proof, root);
  let listed;
  try {
    listed = chain(entries, { hashed });
  } catch (e) {
    if (e instanceof ChainValueError) throw new MapProofError(`the listed entries cannot be chained: ${e.message}`);
    throw e;
  }
  if (listed.count !== count) throw new MapProofError(`${listed.count} entries listed but the anchored map says ${count}`);
  if (!equal(listed.acc, acc)) {
    throw new MapProofError(`${listed.count} entries listed but the anchored map says ${count} others (one was altered)`);
  }
  return count;
}
