// Small helpers shared by the signer modules: keys, addresses, base64, randomness.
// Nothing here depends on Node: the same module runs in the browser bundle.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { fromHex, isBytes } from '../../../verifier-js/src/bytes.js';
import { toChecksumAddress } from '../../../verifier-js/src/address.js';

export class SignerError extends Error {}

const KEY_HEX = /^(0x)?[0-9a-fA-F]{64}$/;

/**
 * A private key as 32 bytes: given as a Uint8Array(32) or as 64 hex digits (0x optional).
 * Throws SignerError when it is not a valid secp256k1 secret key (0, or n and above).
 */
export function privateKeyBytes(privateKey) {
  let key;
  if (isBytes(privateKey)) key = privateKey;
  else if (typeof privateKey === 'string' && KEY_HEX.test(privateKey)) key = fromHex(privateKey, { prefix: 'optional' });
  else throw new SignerError('a private key is 32 bytes (a Uint8Array, or 64 hex digits)');
  if (key.length !== 32 || !secp256k1.utils.isValidSecretKey(key)) {
    throw new SignerError('not a valid secp256k1 private key');
  }
  return key;
}

const ADDRESS = /^(0[xX])?[0-9a-fA-F]{40}$/;

/**
 * The EIP-55 spelling of an address, as ledger.types.to_address gives it: 0x (or 0X, or no
 * prefix) and 40 hex digits, all lower case, all upper case, or mixed case that is already a
 * valid EIP-55 checksum. Throws SignerError otherwise.
 */
export function toAddress(text) {
  if (typeof text !== 'string' || !ADDRESS.test(text)) throw new SignerError('not an Ethereum address');
  const digits = text.length === 42 ? text.slice(2) : text;
  const checksummed = toChecksumAddress('0x' + digits.toLowerCase());
  const mixed = digits !== digits.toLowerCase() && digits !== digits.toUpperCase();
  if (mixed && checksummed.slice(2) !== digits) throw new SignerError('an address in mixed case must be EIP-55 checksummed');
  return checksummed;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 with padding (RFC 4648 §4), as Python's base64.b64encode writes it. */
export function toBase64(bytes) {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += B64[n >> 18] + B64[(n >> 12) & 63] + '==';
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + '=';
  }
  return out;
}

/** `n` bytes from the platform's CSPRNG (Web Crypto: browsers, Node >= 19). */
export function randomBytes(n) {
  const c = globalThis.crypto;
  if (!c || typeof c.getRandomValues !== 'function') throw new SignerError('no crypto.getRandomValues on this platform');
  return c.getRandomValues(new Uint8Array(n));
}

/** A random version-4 UUID (crypto.randomUUID where it exists: it needs a secure context in browsers). */
export function randomUuid() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const b = randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
