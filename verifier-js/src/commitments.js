// Field salts, field leaves and record commitments (spec §P-2).
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, utf8 } from './bytes.js';
import { canonicalBytes } from './jcs.js';
import { leafHash, merkleRoot } from './merkle.js';

export function fieldSalt(recordSecret, name) {
  return hmac(sha256, recordSecret, utf8(name));
}

/** salt || JCS([name, value]) */
export function fieldLeafData(salt, name, value) {
  return concat(salt, canonicalBytes([name, value]));
}

export function fieldLeafHash(salt, name, value) {
  return leafHash(fieldLeafData(salt, name, value));
}

/** Field names in field order: sorted by UTF-16 code units. */
export function fieldOrder(payload) {
  return Object.keys(payload).sort();
}

/** The commitment of a payload (a JSON object with at least one member). */
export function commitment(payload, recordSecret) {
  const names = fieldOrder(payload);
  if (names.length === 0) throw new Error('a payload has at least one field');
  return merkleRoot(names.map((f) => fieldLeafData(fieldSalt(recordSecret, f), f, payload[f])));
}
