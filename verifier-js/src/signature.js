// 65-byte r || s || v signatures over secp256k1 (spec §P-5): form, low s, recovery.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { fromHex, toBigInt } from './bytes.js';
import { publicKeyToAddress, toChecksumAddress } from './address.js';

export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = SECP256K1_N / 2n;

export class SignatureError extends Error {}

/**
 * Recover the EIP-55 address that signed `digest` (32 bytes) with `signature` (hex65 text
 * or 65 bytes). Throws SignatureError when the signature is not in the one accepted form
 * (v 27/28, 1 <= r < n, 1 <= s <= n/2) or recovery yields no point.
 */
export function recoverAddress(digest, signature) {
  const sig = typeof signature === 'string' ? fromHex(signature, { length: 65 }) : signature;
  if (sig.length !== 65) throw new SignatureError('signature is not 65 bytes');
  const r = toBigInt(sig.slice(0, 32));
  const s = toBigInt(sig.slice(32, 64));
  const v = sig[64];
  if (v !== 27 && v !== 28) throw new SignatureError(`signature v is ${v}, not 27 or 28`);
  if (r < 1n || r >= SECP256K1_N) throw new SignatureError('signature r is out of range');
  if (s < 1n || s > HALF_N) throw new SignatureError(s > HALF_N && s < SECP256K1_N ? 'signature s is high (malleable form)' : 'signature s is out of range');
  let point;
  try {
    point = new secp256k1.Signature(r, s, v - 27).recoverPublicKey(digest);
    point.assertValidity();
  } catch {
    throw new SignatureError('signature recovers no public key');
  }
  return toChecksumAddress(publicKeyToAddress(point.toBytes(false)));
}
