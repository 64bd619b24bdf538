// GridLedger's independent verifier: the public API (Node and browsers alike).
export * as bytes from './bytes.js';
export { parseStrict, parseStrictBytes, JsonError } from './ijson.js';
export { canonicalize, canonicalBytes, JcsError } from './jcs.js';
export {
  leafHash, nodeHash, merkleRoot, inclusionProof, consistencyProof, verifyInclusion, verifyConsistency,
  checkInclusion, checkConsistency, rootFromInclusionProof, MerkleError, EMPTY_ROOT,
} from './merkle.js';
export { toChecksumAddress, isChecksumAddress } from './address.js';
export {
  domainSeparator, structHash, entryDigest, personalMessageDigest, RECORD_ENTRY_TYPEHASH, RECORD_ENTRY2_TYPEHASH,
} from './eip712.js';
export { recoverAddress, SignatureError } from './signature.js';
export { fieldSalt, fieldLeafData, fieldLeafHash, commitment } from './commitments.js';
export {
  CheckFailure, readAddressBook, parseDocument, RECEIPT_FORMAT, DISCLOSURE_FORMAT, ADDRESS_BOOK_FORMAT, VECTORS_FORMAT,
} from './documents.js';
export { StaticChain, JsonRpcChain, ChainError, BATCH_ANCHORED_TOPIC } from './chain.js';
export { verifyReceipt, entryLeaf, batchIdFormula, CHECKS, WrongChainError } from './verify.js';
export * as vectors from './vectorset.js';
