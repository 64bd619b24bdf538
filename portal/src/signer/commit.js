// Preparing a record version for POST /v1/records (port of ledger.client.gateway.prepare_commit).
//
// The committer's key never leaves the page: the record id and secret are chosen here, the
// commitment computed here, and the entry (format 2, the EIP-712 struct RecordEntry2, which
// signs the record-type version too) signed here.
import { fromHex, isBytes, toHex } from '../../../verifier-js/src/bytes.js';
import { commitment } from '../../../verifier-js/src/commitments.js';
import { entryDigest } from '../../../verifier-js/src/eip712.js';
import { canonicalize } from '../../../verifier-js/src/jcs.js';
import { addressOf, signDigest } from './keys.js';
import { randomBytes, randomUuid, toAddress, SignerError } from './util.js';

export const ENTRY_FORMAT = 2;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SLUG = /^[a-z0-9][a-z0-9._-]{0,31}$/;
const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const MAX_UINT32 = 2 ** 32 - 1;

function isPlainObject(v) {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Refuse what the gateway (Python) would refuse and JavaScript would silently write: a number that
 * JSON.stringify prints as an integer literal (no fraction, no exponent: magnitude under 1e21) of
 * magnitude 2^53 or more. Python reads such a literal as an int, and its canonical JSON refuses
 * ints outside (-2^53, 2^53); 1e21 and above print with an exponent and are read as floats.
 */
function checkNumbers(value, depth = 0) {
  if (depth > 64) throw new SignerError('the payload nests more than 64 deep');
  if (typeof value === 'number') {
    if (Number.isInteger(value) && Math.abs(value) >= 2 ** 53 && Math.abs(value) < 1e21) {
      throw new SignerError('the payload holds an integer outside the I-JSON range (-2^53, 2^53): send it as a string');
    }
  } else if (Array.isArray(value)) {
    for (const v of value) checkNumbers(v, depth + 1);
  } else if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) checkNumbers(v, depth + 1);
  }
}

function secretBytes(secret) {
  const bytes = isBytes(secret) ? secret : typeof secret === 'string' ? fromHex(secret, { prefix: 'optional' }) : null;
  if (bytes === null || bytes.length !== 32) throw new SignerError('a record secret is 32 bytes');
  return bytes;
}

/**
 * The body of POST /v1/records for one record version, signed by `privateKey`:
 * {id, type, payload, record_secret, version, supersedes, type_version, signature}.
 *
 * @param {object} p
 * @param {Uint8Array|string} p.privateKey the committer's key (the entry's committer is its address)
 * @param {string} p.org the organisation slug
 * @param {number|bigint} p.chainId @param {string} p.registry the EIP-712 domain (the gateway's /v1/info)
 * @param {string} p.recordType a slug, e.g. "household"
 * @param {string} p.typeVersion "0x" + 64 hex: the registered type version (what the entry signs)
 * @param {object} p.payload the record's fields (a JSON object with at least one member)
 * @param {string|null} [p.supersedes] the record id this version supersedes (null for version 1)
 * @param {number} [p.version] 1 by default
 * @param {string} [p.recordId] a lower-case UUID; crypto.randomUUID() by default
 * @param {Uint8Array|string} [p.secret] 32 bytes; 32 random bytes by default
 */
export function prepareCommit({
  privateKey, org, chainId, registry, recordType, typeVersion, payload,
  supersedes = null, version = 1, recordId, secret,
}) {
  if (typeof org !== 'string' || !SLUG.test(org)) throw new SignerError('org is a slug (1-32 of a-z 0-9 . _ -, starting alphanumeric)');
  if (typeof recordType !== 'string' || !SLUG.test(recordType)) throw new SignerError('recordType is a slug (1-32 of a-z 0-9 . _ -, starting alphanumeric)');
  if (typeof typeVersion !== 'string' || !HEX32.test(typeVersion)) throw new SignerError('typeVersion is "0x" and 64 hex digits');
  if (!isPlainObject(payload) || Object.keys(payload).length === 0) throw new SignerError('a payload is a JSON object with at least one field');
  const id = recordId ?? randomUuid();
  if (typeof id !== 'string' || !UUID.test(id)) throw new SignerError('a record id is a lower-case UUID');
  const prior = supersedes ?? null;
  if (prior !== null && (typeof prior !== 'string' || !UUID.test(prior))) throw new SignerError('supersedes is a lower-case UUID or null');
  const ver = version ?? 1;
  if (!Number.isInteger(ver) || ver < 1 || ver > MAX_UINT32) throw new SignerError('version is an integer from 1 to 2^32-1');
  if (!(typeof chainId === 'bigint' ? chainId > 0n : Number.isSafeInteger(chainId) && chainId > 0)) {
    throw new SignerError('chainId is a positive integer');
  }
  const chain = BigInt(chainId);
  checkNumbers(payload);
  canonicalize(payload); // throws JcsError on what is not JSON (undefined, a Date, NaN, a lone surrogate)

  const recordSecret = secret === undefined || secret === null ? randomBytes(32) : secretBytes(secret);
  const entry = {
    format: ENTRY_FORMAT,
    record_id: id,
    org,
    type: recordType,
    version: ver,
    supersedes: prior,
    commitment: toHex(commitment(payload, recordSecret)),
    committer: addressOf(privateKey),
    type_version: typeVersion.toLowerCase(),
  };
  const signature = signDigest(privateKey, entryDigest(entry, chain, toAddress(registry)));
  return {
    id,
    type: recordType,
    payload,
    record_secret: toHex(recordSecret),
    version: ver,
    supersedes: prior,
    type_version: typeVersion,
    signature: toHex(signature),
  };
}
