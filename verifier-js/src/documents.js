// The documents (spec §D): reading a text through checks json (§V-1), format (§V-2) and
// schema (§V-3). Reasons name the member and the rule it breaks, never the value.

import { parseStrict, parseStrictBytes, JsonError } from './ijson.js';
import { isChecksumAddress } from './address.js';

export const RECEIPT_FORMAT = 'gridledger-receipt/1';
export const DISCLOSURE_FORMAT = 'gridledger-disclosure/1';
export const ADDRESS_BOOK_FORMAT = 'gridledger-address-book/1';
export const VECTORS_FORMAT = 'gridledger-vectors/1';
/** The entry formats this verifier implements (§D-1): format 2 adds type_version. */
export const ENTRY_FORMATS = [1, 2];

const MAX_SAFE = 2 ** 53 - 1;
const U32 = 2 ** 32 - 1;

/** A failed check: `check` is its code (§V), `reason` one line. */
export class CheckFailure extends Error {
  constructor(check, reason) {
    super(reason);
    this.check = check;
    this.reason = reason;
  }
}

const RE = {
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  slug: /^[a-z0-9][a-z0-9._-]{0,31}$/,
  hex32: /^0x[0-9a-f]{64}$/,
  hex65: /^0x[0-9a-f]{130}$/,
  address: /^0x[0-9a-fA-F]{40}$/,
};

export function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

function schemaFail(path, rule) {
  throw new CheckFailure('schema', `${path}: ${rule}`);
}

function memberName(k) {
  const q = JSON.stringify(k);
  return q.length > 42 ? `${q.slice(0, 40)}…"` : q;
}

function memberPath(k) {
  return /^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(k) ? `.${k}` : `[${memberName(k)}]`;
}

/** Exactly these members, no other (§D: documents are closed). */
function members(obj, path, names) {
  if (!isObject(obj)) schemaFail(path, 'must be an object');
  for (const n of names) if (!has(obj, n)) schemaFail(`${path}.${n}`, 'is missing');
  for (const k of Object.keys(obj)) {
    if (!names.includes(k)) schemaFail(path, `has the member ${memberName(k)}, which is not allowed (documents are closed)`);
  }
}

function integer(v, path, lo, hi) {
  if (typeof v !== 'number' || !Number.isInteger(v)) schemaFail(path, 'must be an integer');
  if (v < lo || v > hi) schemaFail(path, `must be an integer from ${lo} to ${hi}`);
}

function form(v, path, name) {
  if (typeof v !== 'string') schemaFail(path, `must be a string (${name})`);
  if (!RE[name].test(v)) schemaFail(path, `is not of the form ${name}`);
}

function address(v, path) {
  form(v, path, 'address');
  if (!isChecksumAddress(v)) schemaFail(path, 'is not in its EIP-55 checksum form');
}

function hashList(v, path, max) {
  if (!Array.isArray(v)) schemaFail(path, 'must be an array');
  if (v.length > max) schemaFail(path, `must hold at most ${max} hashes`);
  v.forEach((h, i) => form(h, `${path}[${i}]`, 'hex32'));
}

/** Parse a document's text (§V-1): a string, or UTF-8 bytes; or throw CheckFailure('json'). */
export function parseDocument(text, label) {
  if (typeof text !== 'string' && !(text instanceof Uint8Array)) throw new CheckFailure('json', `${label}: not a JSON text`);
  try {
    return typeof text === 'string' ? parseStrict(text) : parseStrictBytes(text);
  } catch (e) {
    if (e instanceof JsonError) throw new CheckFailure('json', `${label}: ${e.message}`);
    throw e;
  }
}

function formatOf(doc, label, want) {
  if (!isObject(doc)) throw new CheckFailure('format', `${label}: not a JSON object`);
  if (!has(doc, 'format')) throw new CheckFailure('format', `${label}.format: is missing`);
  if (doc.format !== want) throw new CheckFailure('format', `${label}.format: not a format this verifier implements (${JSON.stringify(want)})`);
}

// ---- entry (§D-1)

const ENTRY_MEMBERS = ['format', 'record_id', 'org', 'type', 'version', 'supersedes', 'commitment', 'committer', 'signature'];

export function checkEntryFormat(entry, path) {
  // the entry's own format (§V-2): an object whose format is the number 1 or 2
  if (!isObject(entry)) throw new CheckFailure('format', `${path}: not a JSON object`);
  if (!has(entry, 'format')) throw new CheckFailure('format', `${path}.format: is missing`);
  if (!ENTRY_FORMATS.includes(entry.format)) {
    throw new CheckFailure('format', `${path}.format: not an entry format this verifier implements (the number 1 or 2)`);
  }
}

export function checkEntrySchema(e, path) {
  if (!isObject(e)) schemaFail(path, 'must be an object');
  if (!ENTRY_FORMATS.includes(e.format)) schemaFail(`${path}.format`, 'must be 1 or 2');
  // format 2 names the record-type version the record was checked against; format 1 has no such member
  if (e.format === 1 && has(e, 'type_version')) {
    schemaFail(path, 'has the member "type_version", which an entry of format 1 does not have (documents are closed)');
  }
  members(e, path, e.format === 2 ? [...ENTRY_MEMBERS, 'type_version'] : ENTRY_MEMBERS);
  form(e.record_id, `${path}.record_id`, 'uuid');
  form(e.org, `${path}.org`, 'slug');
  form(e.type, `${path}.type`, 'slug');
  integer(e.version, `${path}.version`, 1, U32);
  if (e.supersedes !== null) form(e.supersedes, `${path}.supersedes`, 'uuid');
  form(e.commitment, `${path}.commitment`, 'hex32');
  address(e.committer, `${path}.committer`);
  form(e.signature, `${path}.signature`, 'hex65');
  if (e.format === 2) form(e.type_version, `${path}.type_version`, 'hex32');
}

// ---- receipt (§D-2)

export function checkReceiptFormat(doc) {
  formatOf(doc, 'receipt', RECEIPT_FORMAT);
  // the entry when present; a missing entry is a schema failure (§V-3)
  if (has(doc, 'entry')) checkEntryFormat(doc.entry, 'receipt.entry');
}

export function checkReceiptSchema(r) {
  members(r, 'receipt', ['format', 'entry', 'inclusion', 'batch', 'anchor']);
  checkEntrySchema(r.entry, 'receipt.entry');
  members(r.inclusion, 'receipt.inclusion', ['leaf_index', 'tree_size', 'proof']);
  integer(r.inclusion.leaf_index, 'receipt.inclusion.leaf_index', 0, U32 - 1);
  integer(r.inclusion.tree_size, 'receipt.inclusion.tree_size', 1, U32);
  hashList(r.inclusion.proof, 'receipt.inclusion.proof', 64);
  members(r.batch, 'receipt.batch', ['id', 'root']);
  form(r.batch.id, 'receipt.batch.id', 'hex32');
  form(r.batch.root, 'receipt.batch.root', 'hex32');
  members(r.anchor, 'receipt.anchor', ['chain_id', 'registry', 'tx_hash', 'block_number', 'anchored_at']);
  integer(r.anchor.chain_id, 'receipt.anchor.chain_id', 1, MAX_SAFE);
  address(r.anchor.registry, 'receipt.anchor.registry');
  form(r.anchor.tx_hash, 'receipt.anchor.tx_hash', 'hex32');
  integer(r.anchor.block_number, 'receipt.anchor.block_number', 0, MAX_SAFE);
  integer(r.anchor.anchored_at, 'receipt.anchor.anchored_at', 0, MAX_SAFE);
}

// ---- disclosure (§D-3)

export function checkDisclosureFormat(doc) {
  formatOf(doc, 'disclosure', DISCLOSURE_FORMAT);
}

export function checkDisclosureSchema(d) {
  members(d, 'disclosure', ['format', 'record_id', 'field_count', 'fields']);
  form(d.record_id, 'disclosure.record_id', 'uuid');
  integer(d.field_count, 'disclosure.field_count', 1, U32);
  if (!isObject(d.fields)) schemaFail('disclosure.fields', 'must be an object');
  const names = Object.keys(d.fields);
  if (names.length === 0) schemaFail('disclosure.fields', 'must disclose at least one field');
  names.forEach((name, k) => {
    // the field's name may be personal data: name it by position
    const path = `disclosure.fields[#${k + 1}]`;
    const f = d.fields[name];
    members(f, path, ['value', 'salt', 'index', 'proof']);
    form(f.salt, `${path}.salt`, 'hex32');
    integer(f.index, `${path}.index`, 0, U32 - 1);
    hashList(f.proof, `${path}.proof`, 32);
  });
}

// ---- address book (§D-4)

/** Validate an address book; throws CheckFailure (json, format or schema). `record_types` is optional:
 * books of deployments with the RecordTypes contract carry it, older books do not (§D-4). */
export function readAddressBook(textOrObject) {
  const book = typeof textOrObject === 'string' || textOrObject instanceof Uint8Array
    ? parseDocument(textOrObject, 'address book') : textOrObject;
  formatOf(book, 'address book', ADDRESS_BOOK_FORMAT);
  const names = ['format', 'chain_id', 'membership', 'registry', 'grants', 'deployment_block', 'deployer', 'deployed_at', 'artifacts'];
  members(book, 'address book', has(book, 'record_types') ? [...names, 'record_types'] : names);
  integer(book.chain_id, 'address book.chain_id', 1, MAX_SAFE);
  address(book.membership, 'address book.membership');
  address(book.registry, 'address book.registry');
  address(book.grants, 'address book.grants');
  if (has(book, 'record_types')) address(book.record_types, 'address book.record_types');
  integer(book.deployment_block, 'address book.deployment_block', 0, MAX_SAFE);
  address(book.deployer, 'address book.deployer');
  integer(book.deployed_at, 'address book.deployed_at', 0, MAX_SAFE);
  if (!isObject(book.artifacts)) schemaFail('address book.artifacts', 'must be an object');
  for (const [name, digest] of Object.entries(book.artifacts)) {
    // §D-4: the SHA-256 of the contract's creation bytecode, 64 lower-case hex digits, no 0x
    if (typeof digest !== 'string' || !/^[0-9a-f]{64}$/.test(digest)) {
      schemaFail(`address book.artifacts${memberPath(name)}`, 'is not 64 lower-case hex digits (without 0x)');
    }
  }
  return book;
}
