// Addresses of keys, and 65-byte r || s || v signatures (ledger/eip712.py sign_digest, personal_digest).
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { concat, isBytes, utf8 } from '../../../verifier-js/src/bytes.js';
import { publicKeyToAddress, toChecksumAddress } from '../../../verifier-js/src/address.js';
import { privateKeyBytes, SignerError } from './util.js';

/** The EIP-55 checksummed address of a private key (Uint8Array(32) or 64 hex digits). */
export function addressOf(privateKey) {
  return toChecksumAddress(publicKeyToAddress(secp256k1.getPublicKey(privateKeyBytes(privateKey), false)));
}

/**
 * Sign a 32-byte digest: 65 bytes r || s || v, v = 27 + recovery id, low s, RFC 6979
 * deterministic k (what coincurve's sign_recoverable, hence ledger.eip712.sign_digest, gives).
 */
export function signDigest(privateKey, digest) {
  if (!isBytes(digest) || digest.length !== 32) throw new SignerError('a digest is 32 bytes');
  // noble's "recovered" format is recovery || r || s
  const sig = secp256k1.sign(digest, privateKeyBytes(privateKey), { prehash: false, lowS: true, format: 'recovered' });
  return concat(sig.subarray(1, 65), Uint8Array.of(sig[0] + 27));
}

/** EIP-191 version 0x45 (personal_sign): keccak256("\x19Ethereum Signed Message:\n" + decimal(len) + message). */
export function personalDigest(message) {
  const bytes = typeof message === 'string' ? utf8(message) : message;
  if (!isBytes(bytes)) throw new SignerError('a message is bytes (or a string, signed as UTF-8)');
  return keccak_256(concat(utf8(`\x19Ethereum Signed Message:\n${bytes.length}`), bytes));
}

/** Ethereum personal_sign of `message` (Uint8Array, or a string signed as its UTF-8 bytes): 65 bytes r || s || v. */
export function personalSign(privateKey, message) {
  return signDigest(privateKey, personalDigest(message));
}
