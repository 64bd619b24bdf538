// The resident's completeness check of their access history, in the browser: a port of
// ledger/client/residents.py verify_my_access (with _check_seals, _office_act, _check_anchored,
// _log_head_of_size) and ledger/client/access_log.py signed_by_anchorer.
//
// Trust rule (docs/spec/subject-map.md §S-5, §S-6): only the chain — the anchored subject map
// and log heads, read from the resident's own node — and the operator's signature on the current
// head are trusted, never the gateway's word. The gateway's answer (GET /v1/me/access, built by
// gateway/services/me.py) supplies the entries and the proofs; the check decides, as Python does:
//
//   1. the map anchored under map_log_id(log_id) fixes N, the log size it covers (none: nothing is
//      proven complete); the listing is fetched again at ?map_size=N when the gateway served another;
//   2. the current head is signed by an anchorer of the head's organisation (by the chain, now);
//   3. sealed entries: each opened seal hashes to its stub; none is withheld 15 minutes past its date
//      (by the chain's clock), counting only extensions by an admin or auditor of a subdistrict
//      office reaching at most two years; opens_at is the log's date;
//   4. every entry shown whole names the resident's subject key at its index; every entry (whole
//      or as its leaf hash) is included in the signed head;
//   5. the signed head extends the access-log head anchored at N (consistency), and the entries
//      below N chain to the (count, acc) the anchored map holds for the subject key (check_complete).
//
// Left out: the pins file (Python's `pins`: the log and subject key first verified for a resident
// key, and the stubs already shown, so a later answer about another key, or a stub turned into a
// bare hash, is refused). The browser has no file; localStorage could hold it later.
//
// Where Python would raise on a malformed answer (and so give no verdict), this reports a problem
// ("the gateway's answer is malformed: …"), so the answer is never complete. A failure to read the
// chain throws ChainError (no verdict can be given), as Python's chain errors propagate.

import { fromHex, toHex } from '../../../verifier-js/src/bytes.js';
import { MerkleError, checkConsistency, checkInclusion, leafHash } from '../../../verifier-js/src/merkle.js';
import { personalMessageDigest } from '../../../verifier-js/src/eip712.js';
import { SignatureError, recoverAddress } from '../../../verifier-js/src/signature.js';
import { toChecksumAddress } from '../../../verifier-js/src/address.js';
import {
  Malformed, get, has, isObject, member, pyEncode, pyEqual, pyFromhex, pyIn, pyInt, pyIter, pyJsonLoads, pyStr,
  pyTruthy,
} from './py.js';
import { MapProofError, checkComplete, mapLogId } from './subject_map.js';
import {
  EXTEND_ACTION, OPENING_GRACE_S, checkOpening, effectiveUntil, isStub, pyLess, rfc3339, withinReach,
} from './seals.js';
import { ChainError, ORG_KIND, ROLE, ResidentChain } from './resident_chain.js';

export { ResidentChain, ChainError, Malformed };

/** The node runs another chain than the address book's (Python: ChainMismatchError on connect). */
export class ChainMismatchError extends ChainError {}

const SLUG = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/** ledger/log_heads.py head_message: the text the operator signs for a head. */
export function headMessage(logId, size, root) {
  return `GridLedger log head v1\n${toHex(logId)}\n${size}\n${toHex(root)}`;
}

/** signed_by_anchorer: whether a head's signer is, on the resident's node, an anchorer of `org`. */
export async function signedByAnchorer(chain, org, logId, size, root, signature) {
  let signer;
  try {
    signer = recoverAddress(personalMessageDigest(headMessage(logId, size, root)), signature);
  } catch (e) {
    if (e instanceof SignatureError) return false;
    throw e;
  }
  const { org: signerOrg, roles } = await chain.membershipOf(signer);
  return signerOrg === org && (roles & ROLE.ANCHORER) !== 0;
}

/** latest_log_head: the newest anchored head of `org`'s log `logIdHex`, or null. */
export async function latestLogHead(chain, org, logIdHex) {
  const count = await chain.logHeadCount(org, logIdHex);
  return count ? chain.logHeadAt(org, logIdHex, count - 1) : null;
}

/** _log_head_of_size: the root (bytes) of the anchored head of exactly `size`, newest first. */
export async function logHeadOfSize(chain, org, logIdHex, size) {
  for (let index = (await chain.logHeadCount(org, logIdHex)) - 1; index >= 0; index--) {
    const anchored = await chain.logHeadAt(org, logIdHex, index);
    if (anchored.treeSize === size) return fromHex(anchored.root, { length: 32 });
    if (anchored.treeSize < size) return null;
  }
  return null;
}

/** ledger/types.py to_address, on a value the gateway sent: Malformed where Python raises. */
function toAddress(text) {
  if (typeof text !== 'string' || !/^(0[xX])?[0-9a-fA-F]{40}$/.test(text)) throw new Malformed('an accessor is not an address');
  return toChecksumAddress('0x' + text.slice(text.length - 40).toLowerCase());
}

/** _office_act: whether an `extend` entry counts (by a subdistrict office's admin or auditor, within two years). */
async function officeAct(chain, document, verdict) {
  const { org, roles } = await chain.membershipOf(toAddress(pyStr(get(document, 'accessor'))));
  const info = org ? await chain.getOrg(org) : null;
  const byOffice = info !== null && info.kind === ORG_KIND.SUBDISTRICT && (roles & (ROLE.ADMIN | ROLE.AUDITOR)) !== 0;
  const inReach = withinReach(pyStr(get(document, 'at')), pyStr(get(document, 'sealed_until')));
  if (!(byOffice && inReach)) {
    const why = !byOffice ? "not by an office's admin or auditor" : 'reaching past two years';
    verdict.problems.push(`extension ${pyStr(get(document, 'idx'))} of sealed entry ${pyStr(get(document, 'sealed_idx'))} `
      + `does not count: ${why}`);
  }
  return byOffice && inReach;
}

/** _check_seals. */
async function checkSeals(verdict, entries, now, chain) {
  const shown = entries.filter((item) => has(item, 'leaf')).map((item) => pyJsonLoads(item.leaf));
  const extensions = [];
  for (const d of shown) {
    if (pyEqual(get(d, 'action'), EXTEND_ACTION) && (await officeAct(chain, d, verdict))) extensions.push(d);
  }
  const late = rfc3339(now - OPENING_GRACE_S);
  const early = rfc3339(now + OPENING_GRACE_S);
  for (const item of entries) {
    const document = has(item, 'leaf') ? pyJsonLoads(item.leaf) : {};
    if (!isStub(document)) continue;
    const idx = pyStr(member(item, 'idx', 'an entry'));
    if (!withinReach(member(document, 'at', 'a sealed entry'), member(document, 'sealed_until', 'a sealed entry'))) {
      verdict.problems.push(`sealed entry ${idx} is sealed for longer than two years`);
    }
    const until = effectiveUntil(document, extensions);
    if (has(item, 'opened')) {
      verdict.problems.push(...checkOpening(document, item.opened).map((p) => `sealed entry ${idx}: ${p}`));
    } else if (pyTruthy(get(item, 'opened_elsewhere'))) {
      if (pyLess(early, until)) verdict.problems.push(`sealed entry ${idx} is said to be open before its date ${until}`);
    } else if (!pyLess(late, until)) {
      verdict.problems.push(`sealed entry ${idx} was due to open at ${until} but is still withheld`);
    }
    if (!pyEqual(get(item, 'opens_at'), until)) {
      verdict.problems.push(`sealed entry ${idx} opens at ${until} by the log, not ${pyStr(get(item, 'opens_at'))}`);
    }
  }
}

/** merkle.verify_inclusion's argument checks, in Python's order, then verifier-js's proof check. */
function inclusion(idx, size, leaf, proof, root) {
  if (leaf.length !== 32 || root.length !== 32) throw new MerkleError('a leaf hash and a root are 32 bytes each');
  const index = typeof idx === 'boolean' ? Number(idx) : idx;
  if (typeof index !== 'number') throw new Malformed('an entry index is not a number');
  if (!(index >= 0 && index < size)) throw new MerkleError(`leaf index ${pyStr(idx)} outside a tree of size ${size}`);
  if (!Number.isInteger(index)) throw new Malformed('an entry index is not an integer');
  checkInclusion(leaf, index, size, proof, root);
}

/** _check_anchored: the listing below N is complete, and the signed head extends the anchored head of size N. */
async function checkAnchored(chain, org, logIdHex, verdict, listing, mapRoot, key, size, root, below) {
  const n = verdict.mapSize;
  const anchored = await logHeadOfSize(chain, org, logIdHex, n);
  if (anchored === null) {
    verdict.problems.push(`no access-log head of size ${n} is anchored beside the subject map`);
    return;
  }
  try {
    if (n === size) {
      if (toHex(anchored) !== toHex(root)) throw new MerkleError('the signed head differs from the anchored one of the same size');
    } else if (n > size) {
      throw new MerkleError(`the gateway serves ${size} entries but ${n} were anchored`);
    } else {
      const proof = pyIter(member(member(listing, 'map'), 'consistency'), 'the consistency proof').map((p) => pyFromhex(p, 'a consistency hash'));
      checkConsistency(n, size, proof, anchored, root);
    }
    verdict.covered = checkComplete(key, below, member(member(listing, 'map'), 'proof'), mapRoot, { hashed: true });
  } catch (e) {
    if (e instanceof MerkleError || e instanceof MapProofError) verdict.problems.push(e.message);
    else throw e;
  }
}

/**
 * Fetch the resident's access history and check it against the chain (verify_my_access).
 *
 * @param {object} args
 * @param {(mapSize: number|null) => Promise<object>} args.fetchListing - the parsed JSON of
 *   GET /v1/me/access (null) or /v1/me/access?map_size=N (a number); the caller signs and sends it
 * @param {ResidentChain|object|string} args.chain - the chain reads (see resident_chain.js: logHeadCount,
 *   logHeadAt, membershipOf, getOrg, and latestBlockTime unless `now` is given; chainId to compare with
 *   the address book's), or a JSON-RPC URL to build a ResidentChain on with `addressBook`
 * @param {{chain_id?: number, registry: string, membership: string}} [args.addressBook] - the
 *   deployment's address book: its chain id is checked against the node's when both are known
 * @param {number} [args.now] - seconds since 1970 for the seal dates (default: the newest block's time)
 * @returns {Promise<{complete: boolean, covered: number, entries: number, problems: string[],
 *   mapSize: number, logSize: number, listing: object|null}>} `complete` iff there is no problem
 *   (Python's AccessVerdict.valid); `covered` entries below `mapSize` are proven to be all of them.
 */
export async function checkMyAccess({ fetchListing, chain, addressBook, now } = {}) {
  if (typeof chain === 'string') chain = new ResidentChain(chain, addressBook);
  if (addressBook?.chain_id !== undefined && typeof chain.chainId === 'function') {
    const id = await chain.chainId();
    if (id !== addressBook.chain_id) {
      throw new ChainMismatchError(`the node runs chain ${id}, but the address book is for chain ${addressBook.chain_id}`);
    }
  }
  const verdict = { complete: false, covered: 0, entries: 0, problems: [], mapSize: 0, logSize: 0, listing: null };
  try {
    await check(verdict, fetchListing, chain, now);
  } catch (e) {
    if (!(e instanceof Malformed)) throw e;
    verdict.problems.push(`the gateway's answer is malformed: ${e.message}`);
  }
  // Python's AccessVerdict.valid: no problem. Then check_complete passed, so `covered` (the map's
  // count) is exactly the number of listed entries below mapSize: every one of them is covered.
  verdict.complete = verdict.problems.length === 0;
  return verdict;
}

async function check(verdict, fetchListing, chain, now) {
  const first = await fetchListing(null);
  const firstHead = member(first, 'head');
  const logId = pyFromhex(member(firstHead, 'log_id'), 'the log id');
  const org = pyStr(member(firstHead, 'org'));
  if (logId.length !== 32) throw new Malformed('the log id is not 32 bytes');
  if (!SLUG.test(org)) throw new Malformed('the head names no organisation id');
  const logIdHex = toHex(logId);
  const mapHead = await latestLogHead(chain, org, toHex(mapLogId(logId)));
  verdict.mapSize = mapHead !== null ? mapHead.treeSize : 0;
  const listing = !pyEqual(verdict.mapSize, member(member(first, 'map'), 'size')) ? await fetchListing(verdict.mapSize) : first;
  verdict.listing = listing;
  const head = member(listing, 'head');
  const entries = pyIter(member(listing, 'entries'), 'the entries');
  if (!entries.every(isObject)) throw new Malformed('an entry is not an object');
  verdict.entries = entries.length;
  const size = pyInt(member(head, 'size'), 'the head size');
  const root = pyFromhex(member(head, 'root'), 'the head root');
  verdict.logSize = size;
  const subjectKey = member(listing, 'subject_key');
  const key = pyFromhex(subjectKey, 'the subject key');
  member(head, 'log_id'); // Python reads it for the pins file (left out here) and fails without it
  const signature = pyFromhex(member(head, 'signature'), 'the head signature');
  if (!(await signedByAnchorer(chain, org, logId, size, root, signature))) {
    verdict.problems.push(`the log head is not signed by an anchorer of ${org}`);
  }
  await checkSeals(verdict, entries, now ?? (await chain.latestBlockTime()), chain);
  const hashed = [];
  for (const item of entries) {
    let leafHashBytes;
    if (pyTruthy(get(item, 'redacted'))) {
      leafHashBytes = pyFromhex(member(item, 'leaf_hash', 'an entry'), 'a leaf hash');
    } else {
      const leaf = pyEncode(member(item, 'leaf', 'an entry'));
      const document = pyJsonLoads(item.leaf);
      if (!isObject(document)) throw new Malformed('a leaf is not a JSON object');
      const idx = member(item, 'idx', 'an entry');
      if (!pyEqual(get(document, 'idx'), idx) || !pyIn(subjectKey, get(document, 'subject_keys', []))) {
        verdict.problems.push(`entry ${pyStr(idx)} is not an entry about you`);
        continue;
      }
      leafHashBytes = leafHash(leaf);
    }
    const idx = member(item, 'idx', 'an entry');
    hashed.push([idx, leafHashBytes]);
    const proof = pyIter(member(item, 'proof', 'an entry'), 'an inclusion proof').map((p) => pyFromhex(p, 'a proof hash'));
    try {
      inclusion(idx, size, leafHashBytes, proof, root);
    } catch (e) {
      if (!(e instanceof MerkleError)) throw e;
      verdict.problems.push(`entry ${pyStr(idx)} is not in the log: ${e.message}`);
    }
  }
  if (mapHead === null) {
    verdict.problems.push('no subject map is anchored for this log yet: nothing can be proven complete '
      + '(try again after the next anchoring)');
    return;
  }
  const below = hashed.filter(([idx]) => Number(idx) < verdict.mapSize);
  await checkAnchored(chain, org, logIdHex, verdict, listing, fromHex(mapHead.root, { length: 32 }), key, size, root, below);
}

/** AccessVerdict.summary, in words. */
export function summary(verdict) {
  if (!verdict.complete) return 'INCOMPLETE or INVALID access history: ' + verdict.problems.join('; ');
  const later = verdict.entries - verdict.covered;
  return `access history verified: ${verdict.covered} entries about you in the first ${verdict.mapSize} log entries, `
    + `and none left out (anchored on-chain); ${later} later entries included in the signed head of size `
    + `${verdict.logSize}, to be covered by the next anchoring`;
}
