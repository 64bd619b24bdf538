// Ethereum addresses: EIP-55 mixed-case checksums, and addresses of public keys.
import { keccak_256 } from '@noble/hashes/sha3.js';
import { fromHex, toHex, utf8 } from './bytes.js';

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

/** The EIP-55 spelling of a 20-byte address (given as bytes or any-case hex). */
export function toChecksumAddress(address) {
  const bytes = typeof address === 'string' ? fromHex(address, { length: 20 }) : address;
  const lower = toHex(bytes).slice(2);
  const hash = keccak_256(utf8(lower));
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    const nibble = (hash[i >> 1] >> (i % 2 === 0 ? 4 : 0)) & 15;
    out += nibble >= 8 ? lower[i].toUpperCase() : lower[i];
  }
  return out;
}

/** True iff `text` is an address written in its EIP-55 form (all-lower-case is not). */
export function isChecksumAddress(text) {
  return typeof text === 'string' && ADDRESS_RE.test(text) && toChecksumAddress(text) === text;
}

/** The address of an uncompressed secp256k1 public key (65 bytes with 0x04, or 64 without). */
export function publicKeyToAddress(pub) {
  const xy = pub.length === 65 ? pub.slice(1) : pub;
  if (xy.length !== 64) throw new Error('expected an uncompressed public key');
  return keccak_256(xy).slice(12);
}

export function addressBytes(text) {
  return fromHex(text, { length: 20 });
}
