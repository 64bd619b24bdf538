// Grants, revocations and privacy reviews, signed in the page and relayed by the gateway
// (port of ledger.client.gateway.GatewayClient.grant / revoke / review_grant).
//
// The gateway sends each call to AccessGrants from its own account; the contract decides who
// acted from the member's EIP-712 signature over the call, the member's AccessGrants nonce and a
// deadline (ledger/eip712.py relay_typed_data). The functions here are pure: the caller passes
// the chain id and the AccessGrants address (GET /v1/info: chain_id, grants) and the member's next
// nonce (GET /v1/me: grants_nonce), and sends the body returned:
//
//   grantBody  -> POST   /v1/grants
//   revokeBody -> DELETE /v1/grants/{grantId}
//   reviewBody -> POST   /v1/grants/{grantId}:approve   (approved)
//                 POST   /v1/grants/{grantId}:refuse    (not approved)
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { concat, fromBigInt, fromHex, isBytes, toHex, utf8 } from '../../../verifier-js/src/bytes.js';
import { DOMAIN_TYPEHASH, slugWord, uuidWord } from '../../../verifier-js/src/eip712.js';
import { addressOf, signDigest } from './keys.js';
import { randomBytes, toAddress, SignerError } from './util.js';

export const GRANTS_DOMAIN = Object.freeze({ name: 'GridLedger AccessGrants', version: '1' });
/** How long the SDK's relay signatures stay valid: it signs a deadline of now + 600 s. */
export const RELAY_TTL = 600;

// ledger/eip712.py _TYPES (and contracts/AccessGrants.sol *_TYPEHASH), each followed by _AUTH
const AUTH = [['signer', 'address'], ['nonce', 'uint256'], ['deadline', 'uint256']];
const STRUCTS = {
  Grant: [
    ['ownerOrg', 'bytes32'], ['granteeOrg', 'bytes32'], ['scopeKind', 'uint8'], ['scope', 'bytes32'],
    ['fields', 'string[]'], ['purposeCode', 'bytes32'], ['purposeHash', 'bytes32'], ['expiresAt', 'uint64'],
  ],
  Revoke: [['grantId', 'uint256']],
  ReviewGrant: [['grantId', 'uint256'], ['approved', 'bool'], ['reasonHash', 'bytes32']],
};
const typeString = (primary) => `${primary}(${[...STRUCTS[primary], ...AUTH].map(([n, t]) => `${t} ${n}`).join(',')})`;
export const GRANT_TYPE = typeString('Grant');
export const REVOKE_TYPE = typeString('Revoke');
export const REVIEW_GRANT_TYPE = typeString('ReviewGrant');
const TYPEHASHES = Object.fromEntries(Object.keys(STRUCTS).map((p) => [p, keccak_256(utf8(typeString(p)))]));
const BITS = { uint8: 8n, uint64: 64n, uint256: 256n };

const PURPOSE_DOMAIN = utf8('gridledger-purpose-v1\x00');
const REVIEW_DOMAIN = utf8('gridledger-review-v1\x00');
const SALT_BYTES = 32;
const TEXT_MAX = 200; // code points: the gateway's limit on a purpose and on a reason
const MAX_FIELDS = 64;
const MAX_FIELD_BYTES = 64; // AccessGrants._MAX_FIELD_BYTES
const MAX_TIME = 2 ** 48 - 1; // the gateway's bound on expires_at and deadline
const SLUG = /^[a-z0-9][a-z0-9._-]{0,31}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const LONE_SURROGATE = /\p{Surrogate}/u; // with the u flag, only a surrogate outside a pair matches
// Python's str.strip(): the characters str.isspace() holds, which are not JavaScript's trim()
// set (Python strips U+001C..U+001F and U+0085, and keeps U+FEFF). The gateway strips a reason
// so before hashing it: the page must hash the same text.
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');

// ---- inputs

function slug(value, name) {
  if (typeof value !== 'string' || !SLUG.test(value)) {
    throw new SignerError(`${name} is a slug (1-32 of a-z 0-9 . _ -, starting alphanumeric)`);
  }
  return value;
}

function text(value, name) {
  if (typeof value !== 'string' || LONE_SURROGATE.test(value)) throw new SignerError(`${name} is a string (well-formed UTF-16)`);
  return value;
}

/** An integer in [min, max] (a number or a bigint), as a Number: the body goes out as JSON. */
function integer(value, name, min, max) {
  const ok = typeof value === 'bigint' || Number.isInteger(value);
  if (!ok || value < min || value > max) throw new SignerError(`${name} is an integer from ${min} to ${max}`);
  return Number(value);
}

const nonceOf = (nonce) => integer(nonce, 'nonce', 0, Number.MAX_SAFE_INTEGER);
const grantIdOf = (grantId) => integer(grantId, 'grantId', 0, Number.MAX_SAFE_INTEGER);
const deadlineOf = (deadline) => integer(
  deadline === undefined || deadline === null ? Math.floor(Date.now() / 1000) + RELAY_TTL : deadline, 'deadline', 1, MAX_TIME,
);

function saltBytes(salt, name) {
  if (salt === undefined || salt === null) return randomBytes(SALT_BYTES);
  let bytes = null;
  if (isBytes(salt)) bytes = salt;
  else if (typeof salt === 'string' && /^(0x)?[0-9a-fA-F]*$/.test(salt)) bytes = fromHex(salt, { prefix: 'optional' });
  if (bytes === null || bytes.length !== SALT_BYTES) throw new SignerError(`a ${name} salt is 32 bytes`);
  return bytes;
}

function chainIdOf(chainId) {
  if (!(typeof chainId === 'bigint' ? chainId > 0n : Number.isSafeInteger(chainId) && chainId > 0)) {
    throw new SignerError('chainId is a positive integer');
  }
  return BigInt(chainId);
}

// ---- hashes

/** ledger.purposes.purpose_hash: SHA-256("gridledger-purpose-v1" || 0x00 || salt || UTF-8(text)). */
export function purposeHash(salt, purpose) {
  return sha256(concat(PURPOSE_DOMAIN, saltBytes(salt ?? new Uint8Array(0), 'purpose'), utf8(text(purpose, 'purpose'))));
}

/** ledger.reviews.reason_hash: SHA-256("gridledger-review-v1" || 0x00 || salt || UTF-8(text)). */
export function reasonHash(salt, reason) {
  return sha256(concat(REVIEW_DOMAIN, saltBytes(salt ?? new Uint8Array(0), 'reason'), utf8(text(reason, 'reason'))));
}

function word(type, value) {
  if (type === 'bytes32') {
    if (!isBytes(value) || value.length !== 32) throw new SignerError('a bytes32 member is 32 bytes');
    return value;
  }
  if (type === 'address') return fromBigInt(BigInt(toAddress(value)), 32);
  if (type === 'bool') return fromBigInt(value ? 1n : 0n, 32);
  if (type === 'string[]') return keccak_256(concat(...value.map((s) => keccak_256(utf8(s)))));
  const v = BigInt(value);
  if (v < 0n || v >= 1n << BITS[type]) throw new SignerError(`a ${type} member is out of range`);
  return fromBigInt(v, 32);
}

/**
 * The EIP-712 digest of one relayed AccessGrants call (ledger.eip712.relay_typed_data, then the
 * EIP-712 hash): `primary` is 'Grant', 'Revoke' or 'ReviewGrant'; `message` holds the struct's
 * members (bytes32 members as 32-byte Uint8Arrays), without signer, nonce and deadline.
 */
export function relayDigest(primary, message, { chainId, grantsContract, signer, nonce, deadline }) {
  if (!Object.hasOwn(STRUCTS, primary)) throw new SignerError(`unknown relayed call ${primary}`);
  const domain = keccak_256(concat(
    DOMAIN_TYPEHASH,
    keccak_256(utf8(GRANTS_DOMAIN.name)),
    keccak_256(utf8(GRANTS_DOMAIN.version)),
    fromBigInt(chainIdOf(chainId), 32),
    fromBigInt(BigInt(toAddress(grantsContract)), 32),
  ));
  const values = { ...message, signer, nonce, deadline };
  const struct = keccak_256(concat(TYPEHASHES[primary], ...[...STRUCTS[primary], ...AUTH].map(([n, t]) => word(t, values[n]))));
  return keccak_256(concat(Uint8Array.of(0x19, 0x01), domain, struct));
}

/** The relay fields of every body: {nonce, deadline, signature} (GatewayClient._relay_signature). */
function relay(privateKey, primary, message, { chainId, grantsContract, nonce, deadline }) {
  const n = nonceOf(nonce);
  const d = deadlineOf(deadline);
  const digest = relayDigest(primary, message, { chainId, grantsContract, signer: addressOf(privateKey), nonce: n, deadline: d });
  return { nonce: n, deadline: d, signature: toHex(signDigest(privateKey, digest)) };
}

// ---- the three bodies

/**
 * The body of POST /v1/grants: grant organisation `grantee` the `fields` of one record (`record`, a
 * UUID) or of every record of a type (`recordType`, a slug) of organisation `owner`, for a purpose,
 * until `expiresAt` (Unix seconds). The purpose goes on-chain as `purposeCode` and a salted hash of
 * `purpose`; the text and salt go only to the gateway (which can erase them).
 *
 * Keys, in the SDK's order: owner, grantee, record, type, fields, purpose_code, purpose,
 * purpose_salt, expires_at, nonce, deadline, signature.
 *
 * @param {object} p
 * @param {Uint8Array|string} p.privateKey the granting admin's key
 * @param {number|bigint} p.chainId @param {string} p.grantsContract GET /v1/info: chain_id, grants
 * @param {number|bigint} p.nonce the admin's next AccessGrants nonce: GET /v1/me, grants_nonce
 * @param {number} [p.deadline] Unix seconds after which the signature is void; now + RELAY_TTL by default
 * @param {string} p.owner @param {string} p.grantee organisation slugs
 * @param {string[]} p.fields 1-64 field names (each at most 64 UTF-8 bytes), in the order given
 * @param {string} p.purpose 1-200 characters, hashed and sent as given (not trimmed)
 * @param {string} [p.purposeCode] a registered purpose code (GET /v1/purposes); 'general' by default
 * @param {number} p.expiresAt Unix seconds
 * @param {string|null} [p.record] the record's id (a UUID, sent as given) ...
 * @param {string|null} [p.recordType] ... or the record type: exactly one of the two
 * @param {Uint8Array|string} [p.salt] the purpose's 32-byte salt; 32 random bytes by default
 */
export function grantBody({
  privateKey, chainId, grantsContract, nonce, deadline, owner, grantee, fields, purpose,
  purposeCode = 'general', expiresAt, record = null, recordType = null, salt,
}) {
  slug(owner, 'owner');
  slug(grantee, 'grantee');
  slug(purposeCode, 'purposeCode');
  const rec = record ?? null;
  const type = recordType ?? null;
  if ((rec === null) === (type === null)) throw new SignerError('give exactly one of record and recordType');
  if (rec !== null && (typeof rec !== 'string' || !UUID.test(rec))) throw new SignerError('a record id is a UUID');
  if (type !== null) slug(type, 'recordType');
  if (!Array.isArray(fields) || fields.length < 1 || fields.length > MAX_FIELDS) throw new SignerError('fields are 1 to 64 field names');
  for (const f of fields) {
    if (text(f, 'a field name') === '' || utf8(f).length > MAX_FIELD_BYTES) throw new SignerError('a field name is 1 to 64 bytes');
  }
  const length = [...text(purpose, 'purpose')].length;
  if (length < 1 || length > TEXT_MAX) throw new SignerError('a purpose is 1 to 200 characters');
  const expires = integer(expiresAt, 'expiresAt', 1, MAX_TIME);
  const purposeSalt = saltBytes(salt, 'purpose');

  const message = {
    ownerOrg: slugWord(owner),
    granteeOrg: slugWord(grantee),
    scopeKind: rec !== null ? 0 : 1,
    scope: rec !== null ? uuidWord(rec.toLowerCase()) : slugWord(type),
    fields,
    purposeCode: slugWord(purposeCode),
    purposeHash: purposeHash(purposeSalt, purpose),
    expiresAt: expires,
  };
  return {
    owner,
    grantee,
    record: rec,
    type,
    fields: [...fields],
    purpose_code: purposeCode,
    purpose,
    purpose_salt: toHex(purposeSalt),
    expires_at: expires,
    ...relay(privateKey, 'Grant', message, { chainId, grantsContract, nonce, deadline }),
  };
}

/**
 * The body of DELETE /v1/grants/{grantId}: {nonce, deadline, signature}.
 * Parameters as for grantBody; `grantId` is the grant's on-chain id.
 */
export function revokeBody({ privateKey, chainId, grantsContract, nonce, deadline, grantId }) {
  const id = grantIdOf(grantId);
  return relay(privateKey, 'Revoke', { grantId: id }, { chainId, grantsContract, nonce, deadline });
}

/**
 * The body of POST /v1/grants/{grantId}:approve (`approved` true) or :refuse (false), as a privacy
 * reviewer: {reason, reason_salt, nonce, deadline, signature}.
 *
 * The reason is trimmed as Python's str.strip() trims (the gateway trims it so too); a reason that
 * is empty after trimming is no reason: reason and reason_salt are null, the chain's reasonHash is
 * 32 zero bytes, and `salt` is not used. A refusal must say why (the gateway refuses one without a
 * reason: so does this function); a reason is at most 200 characters.
 *
 * @param {object} p parameters as for grantBody, and:
 * @param {number|bigint} p.grantId @param {boolean} p.approved
 * @param {string|null} [p.reason]
 * @param {Uint8Array|string} [p.salt] the reason's 32-byte salt; 32 random bytes by default
 */
export function reviewBody({ privateKey, chainId, grantsContract, nonce, deadline, grantId, approved, reason = null, salt }) {
  const id = grantIdOf(grantId);
  if (typeof approved !== 'boolean') throw new SignerError('approved is true or false');
  const trimmed = text(reason ?? '', 'reason').replace(PY_STRIP, '');
  if ([...trimmed].length > TEXT_MAX) throw new SignerError('a reason is at most 200 characters');
  if (!approved && trimmed === '') throw new SignerError('a refusal says why: give a reason');
  const reasonSalt = trimmed ? saltBytes(salt, 'reason') : null;
  const hashed = reasonSalt ? reasonHash(reasonSalt, trimmed) : new Uint8Array(32);
  return {
    reason: trimmed || null,
    reason_salt: reasonSalt ? toHex(reasonSalt) : null,
    ...relay(privateKey, 'ReviewGrant', { grantId: id, approved, reasonHash: hashed }, { chainId, grantsContract, nonce, deadline }),
  };
}
