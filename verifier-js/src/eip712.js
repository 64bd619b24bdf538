// The EIP-712 domain and the RecordEntry / RecordEntry2 structs (spec §P-4), and EIP-191 texts (§P-7).
import { keccak_256 } from '@noble/hashes/sha3.js';
import { concat, fromBigInt, fromHex, utf8 } from './bytes.js';

export const DOMAIN_TYPE = 'EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)';
export const DOMAIN_NAME = 'GridLedger Records';
export const DOMAIN_VERSION = '1';
export const RECORD_ENTRY_TYPE =
  'RecordEntry(uint16 format,bytes32 recordId,bytes32 org,bytes32 recordType,uint32 version,bytes32 supersedes,bytes32 commitment)';
// entry format 2 signs the record-type version too, under its own struct name (a format-1
// signature never verifies as format 2, nor the other way round)
export const RECORD_ENTRY2_TYPE =
  'RecordEntry2(uint16 format,bytes32 recordId,bytes32 org,bytes32 recordType,uint32 version,bytes32 supersedes,bytes32 commitment,bytes32 typeVersion)';

export const DOMAIN_TYPEHASH = keccak_256(utf8(DOMAIN_TYPE));
export const RECORD_ENTRY_TYPEHASH = keccak_256(utf8(RECORD_ENTRY_TYPE));
export const RECORD_ENTRY2_TYPEHASH = keccak_256(utf8(RECORD_ENTRY2_TYPE));

/** @param {number|bigint} chainId @param {string} registry address (any case) */
export function domainSeparator(chainId, registry) {
  return keccak_256(concat(
    DOMAIN_TYPEHASH,
    keccak_256(utf8(DOMAIN_NAME)),
    keccak_256(utf8(DOMAIN_VERSION)),
    fromBigInt(BigInt(chainId), 32),
    new Uint8Array(12),
    fromHex(registry, { length: 20 }),
  ));
}

/** A UUID's 16 bytes then 16 zero bytes; null is 32 zero bytes. */
export function uuidWord(uuid) {
  const out = new Uint8Array(32);
  if (uuid !== null) out.set(fromHex(uuid.replaceAll('-', ''), { prefix: false, length: 16 }));
  return out;
}

/** A slug's ASCII bytes, zero-padded to 32 (an organisation id or a record type). */
export function slugWord(slug) {
  const bytes = utf8(slug);
  if (bytes.length > 32) throw new Error('slug longer than 32 bytes');
  const out = new Uint8Array(32);
  out.set(bytes);
  return out;
}

/** The slug a zero-padded bytes32 holds, or null when it is not one (all zero, bad padding). */
export function wordToSlug(word) {
  let end = word.length;
  while (end > 0 && word[end - 1] === 0) end--;
  if (end === 0) return null;
  for (let i = 0; i < end; i++) if (word[i] === 0 || word[i] > 0x7e) return null;
  return String.fromCharCode(...word.slice(0, end));
}

/** The struct hash of an entry already read (§D-1): a RecordEntry (format 1) or a RecordEntry2 (format 2). */
export function structHash(entry) {
  if (entry.format !== 1 && entry.format !== 2) throw new Error('not an entry of format 1 or 2');
  const words = [
    entry.format === 2 ? RECORD_ENTRY2_TYPEHASH : RECORD_ENTRY_TYPEHASH,
    fromBigInt(BigInt(entry.format), 32),
    uuidWord(entry.record_id),
    slugWord(entry.org),
    slugWord(entry.type),
    fromBigInt(BigInt(entry.version), 32),
    uuidWord(entry.supersedes),
    fromHex(entry.commitment, { length: 32 }),
  ];
  if (entry.format === 2) words.push(fromHex(entry.type_version, { length: 32 }));
  return keccak_256(concat(...words));
}

/** The digest the committer signs: Keccak-256(0x19 0x01 || domain separator || struct hash). */
export function entryDigest(entry, chainId, registry) {
  return keccak_256(concat(Uint8Array.of(0x19, 0x01), domainSeparator(chainId, registry), structHash(entry)));
}

/** EIP-191 personal_sign digest of a text. */
export function personalMessageDigest(text) {
  const body = utf8(text);
  return keccak_256(concat(utf8(`\x19Ethereum Signed Message:\n${body.length}`), body));
}
