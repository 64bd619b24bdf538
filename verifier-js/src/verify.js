// Verifying a record (spec §V): the ordered checks, each with its code, against the
// verifier's own address book and a chain view (src/chain.js).

import { sha256 } from '@noble/hashes/sha2.js';
import { concat, equal, fromHex, toHex, utf8 } from './bytes.js';
import { canonicalBytes } from './jcs.js';
import { leafHash, rootFromInclusionProof, MerkleError } from './merkle.js';
import { entryDigest, slugWord } from './eip712.js';
import { recoverAddress, SignatureError } from './signature.js';
import { fieldLeafHash } from './commitments.js';
import { BATCH_ANCHORED_TOPIC, RECORDER_ROLE, ChainError } from './chain.js';
import {
  CheckFailure, parseDocument, checkReceiptFormat, checkReceiptSchema,
  checkDisclosureFormat, checkDisclosureSchema,
} from './documents.js';

/** The codes of §V, in the order they are made. */
export const CHECKS = [
  'json', 'format', 'schema', 'version-rule', 'trust-domain', 'signature', 'disclosure-record',
  'disclosure-proof', 'inclusion', 'batch-anchored', 'batch-facts', 'anchor-transaction', 'committer-role',
  'type-version',
];

/** The node's chain id is not the address book's: no verdict may be given (§V, trust rule). */
export class WrongChainError extends Error {}

export { ChainError };

export function entryLeaf(entry) {
  return leafHash(canonicalBytes(entry));
}

export function batchIdFormula(root) {
  return sha256(concat(utf8('gridledger-batch-v1'), root));
}

const sameAddress = (a, b) => equal(fromHex(a, { length: 20 }), fromHex(b, { length: 20 }));
const sameHex = (a, b) => typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();

/**
 * Verify a receipt (and optionally a disclosure) given as TEXTS.
 * @param {{receipt: string, disclosure?: string|null, addressBook: object, chain: object}} input
 *   `addressBook` must already be validated (documents.readAddressBook): it is the root of trust.
 * @returns {Promise<object>} the verdict: {valid, check, reason, checks: [{check, status, reason}], proved, notes}
 * Throws ChainError or WrongChainError when no verdict can be given.
 */
export async function verifyReceipt({ receipt: receiptText, disclosure: disclosureText = null, addressBook: book, chain }) {
  const checks = [];
  const notes = [];
  const pass = (check, reason = 'ok') => checks.push({ check, status: 'pass', reason });
  const fail = (check, reason) => checks.push({ check, status: 'fail', reason });
  const skip = (check, reason) => checks.push({ check, status: 'skip', reason });
  const verdict = (proved = null) => {
    const first = checks.find((c) => c.status === 'fail');
    return {
      valid: !first,
      check: first ? first.check : null,
      reason: first ? first.reason : null,
      checks,
      proved: first ? null : proved,
      notes,
    };
  };

  // §V-1 to the receipt and the disclosure, then §V-2 to the receipt, its entry and the
  // disclosure, then §V-3 to all of them: the first failure ends the verification.
  const given = disclosureText !== null && disclosureText !== undefined;
  let receipt;
  let disclosure = null;
  try {
    receipt = parseDocument(receiptText, 'receipt');
    if (given) disclosure = parseDocument(disclosureText, 'disclosure');
    pass('json', given ? 'receipt and disclosure: I-JSON' : 'receipt: I-JSON');
    checkReceiptFormat(receipt);
    if (given) checkDisclosureFormat(disclosure);
    pass('format', given ? 'receipt, entry and disclosure: formats known' : 'receipt and entry: formats known');
    checkReceiptSchema(receipt);
    if (given) checkDisclosureSchema(disclosure);
    pass('schema', 'every member present and of its form');
  } catch (e) {
    if (!(e instanceof CheckFailure)) throw e;
    fail(e.check, e.reason);
    return verdict();
  }
  const { entry, inclusion, batch, anchor } = receipt;

  // §V-4 version-rule
  if ((entry.version === 1) !== (entry.supersedes === null)) {
    fail('version-rule', entry.supersedes === null
      ? `entry.version is ${entry.version} but entry.supersedes is null: only version 1 supersedes nothing`
      : 'entry.version is 1 but entry.supersedes names a record: version 1 supersedes nothing');
  } else if (entry.supersedes === entry.record_id) {
    fail('version-rule', 'entry.supersedes is the entry\'s own record_id');
  } else {
    pass('version-rule', entry.version === 1 ? 'version 1, supersedes nothing' : `version ${entry.version} supersedes another record`);
  }

  // §V-5 trust-domain
  const trusted = anchor.chain_id === book.chain_id && sameAddress(anchor.registry, book.registry);
  if (!trusted) {
    fail('trust-domain', anchor.chain_id !== book.chain_id
      ? `receipt.anchor.chain_id is ${anchor.chain_id}, the address book's chain is ${book.chain_id}`
      : `receipt.anchor.registry ${anchor.registry} is not the address book's registry ${book.registry}`);
  } else {
    pass('trust-domain', `chain ${book.chain_id}, registry ${book.registry}`);
  }

  // §V-6 signature, in the address book's domain
  try {
    const recovered = recoverAddress(entryDigest(entry, book.chain_id, book.registry), entry.signature);
    if (!sameAddress(recovered, entry.committer)) {
      fail('signature', `entry.signature recovers to ${recovered}, not to entry.committer ${entry.committer}`);
    } else {
      pass('signature', `signed by ${entry.committer}`);
    }
  } catch (e) {
    if (!(e instanceof SignatureError)) throw e;
    fail('signature', `entry.signature: ${e.message}`);
  }

  // §V-7 disclosure-record, §V-8 disclosure-proof
  let provenFields = null;
  if (disclosure === null) {
    skip('disclosure-record', 'no disclosure given: only the entry is proven');
    skip('disclosure-proof', 'no disclosure given: only the entry is proven');
  } else {
    if (disclosure.record_id !== entry.record_id) {
      fail('disclosure-record', 'disclosure.record_id is not the entry\'s record_id');
    } else {
      pass('disclosure-record', 'the disclosure is of this record');
    }
    const problems = [];
    const seen = new Set();
    const commitment = fromHex(entry.commitment, { length: 32 });
    Object.entries(disclosure.fields).forEach(([name, f], k) => {
      const label = `disclosure.fields[#${k + 1}]`;
      if (seen.has(f.index)) {
        problems.push(`${label}.index is claimed by another field`);
        return;
      }
      seen.add(f.index);
      try {
        const leaf = fieldLeafHash(fromHex(f.salt, { length: 32 }), name, f.value);
        const root = rootFromInclusionProof(leaf, f.index, disclosure.field_count, f.proof.map((h) => fromHex(h, { length: 32 })));
        if (!equal(root, commitment)) problems.push(`${label} is not included under entry.commitment`);
      } catch (e) {
        if (!(e instanceof MerkleError)) throw e;
        problems.push(`${label}: ${e.message}`);
      }
    });
    if (problems.length) {
      fail('disclosure-proof', problems.join('; '));
    } else {
      provenFields = Object.keys(disclosure.fields);
      pass('disclosure-proof', `${provenFields.length} of ${disclosure.field_count} fields proven`);
    }
  }

  // §V-9 inclusion
  const root = fromHex(batch.root, { length: 32 });
  try {
    const got = rootFromInclusionProof(entryLeaf(entry), inclusion.leaf_index, inclusion.tree_size,
      inclusion.proof.map((h) => fromHex(h, { length: 32 })));
    if (!equal(got, root)) fail('inclusion', 'the entry is not included under receipt.batch.root');
    else pass('inclusion', `leaf ${inclusion.leaf_index} of ${inclusion.tree_size}`);
  } catch (e) {
    if (!(e instanceof MerkleError)) throw e;
    fail('inclusion', `receipt.inclusion: ${e.message}`);
  }
  if (!equal(batchIdFormula(root), fromHex(batch.id, { length: 32 }))) {
    notes.push('receipt.batch.id is not SHA-256("gridledger-batch-v1" || root): the batch was adopted under another id (§P-6)');
  }

  // §V-10 .. §V-14: the chain. None after a failed trust-domain.
  const chainChecks = ['batch-anchored', 'batch-facts', 'anchor-transaction', 'committer-role', 'type-version'];
  if (!trusted) {
    for (const c of chainChecks) skip(c, 'not made: the receipt is not from the address book\'s deployment');
    return verdict();
  }
  const nodeChain = await chain.chainId();
  if (nodeChain !== book.chain_id) {
    throw new WrongChainError(`the chain node is on chain ${nodeChain}, the address book's chain is ${book.chain_id}: no verdict`);
  }
  const onChain = await chain.getBatch(batch.id);
  if (onChain === null || !sameHex(onChain.root, batch.root)) {
    fail('batch-anchored', onChain === null
      ? 'receipt.batch.id is not a batch of the registry'
      : 'the registry\'s batch under receipt.batch.id has another root');
    for (const c of chainChecks.slice(1)) skip(c, 'not made: the batch is not anchored as the receipt says');
    return verdict();
  }
  pass('batch-anchored', `batch anchored in block ${onChain.blockNumber}`);

  const facts = [];
  if (onChain.size !== inclusion.tree_size) facts.push(`receipt.inclusion.tree_size is ${inclusion.tree_size}, the batch has ${onChain.size} entries`);
  if (onChain.blockNumber !== anchor.block_number) facts.push(`receipt.anchor.block_number is ${anchor.block_number}, the batch was anchored in block ${onChain.blockNumber}`);
  if (onChain.anchoredAt !== anchor.anchored_at) facts.push(`receipt.anchor.anchored_at is ${anchor.anchored_at}, the batch was anchored at ${onChain.anchoredAt}`);
  if (facts.length) fail('batch-facts', facts.join('; '));
  else pass('batch-facts', 'size, block and time as the registry has them');

  const tx = await chain.getTransactionReceipt(anchor.tx_hash);
  if (tx === null) {
    fail('anchor-transaction', 'the node knows no transaction receipt.anchor.tx_hash');
  } else if (tx.status !== 1) {
    fail('anchor-transaction', 'the transaction receipt.anchor.tx_hash failed');
  } else if (tx.blockNumber !== onChain.blockNumber) {
    fail('anchor-transaction', `the transaction is in block ${tx.blockNumber}, the batch was anchored in block ${onChain.blockNumber}`);
  } else if (!tx.logs.some((l) => {
    try {
      return sameAddress(l.address, book.registry) && l.topics.length >= 3 && sameHex(l.topics[0], BATCH_ANCHORED_TOPIC)
        && sameHex(l.topics[1], batch.id) && sameHex(l.topics[2], batch.root);
    } catch {
      return false;
    }
  })) {
    fail('anchor-transaction', 'the transaction emitted no BatchAnchored event of the registry for this batch id and root');
  } else {
    pass('anchor-transaction', 'the transaction anchored this batch');
  }

  const member = await chain.membershipAt(entry.committer, onChain.blockNumber);
  const sameOrg = sameHex(member.orgId, toHex(slugWord(entry.org)));
  if (!sameOrg || (member.roles & RECORDER_ROLE) === 0) {
    fail('committer-role', !sameOrg
      ? `the committer was not a member of ${entry.org} at block ${onChain.blockNumber}`
      : `the committer was not a recorder of ${entry.org} at block ${onChain.blockNumber}`);
  } else {
    pass('committer-role', `the committer was a recorder of ${entry.org} at block ${onChain.blockNumber}`);
  }

  // §V-14 type-version: a format-2 entry's record-type version is registered under its type
  if (entry.format !== 2) {
    skip('type-version', 'an entry of format 1 names no type version');
  } else if (typeof chain.typeVersion !== 'function') {
    skip('type-version', 'not made: the chain view cannot read RecordTypes (the address book names none)');
    notes.push('the type version was not checked on-chain: the address book names no RecordTypes');
  } else {
    const registered = await chain.typeVersion(entry.type_version);
    if (registered === null) {
      fail('type-version', `entry.type_version ${entry.type_version} is not registered on-chain`);
    } else if (registered.name !== entry.type) {
      fail('type-version', `entry.type_version ${entry.type_version} is registered for type ${registered.name}, not ${entry.type}`);
    } else {
      pass('type-version', `type version registered for ${entry.type}`);
    }
  }

  return verdict({
    record_id: entry.record_id,
    version: entry.version,
    type: entry.type,
    type_version: entry.format === 2 ? entry.type_version : null,
    org: entry.org,
    committer: entry.committer,
    block_number: onChain.blockNumber,
    anchored_at: onChain.anchoredAt,
    fields: provenFields,
    field_count: disclosure === null ? null : disclosure.field_count,
    complete: provenFields !== null && provenFields.length === disclosure.field_count,
  });
}
