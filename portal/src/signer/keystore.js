// Web3 Secret Storage v3 keystores, as eth_account.Account.encrypt writes them (ledger/keys.py).
//
// kdf "scrypt" (n, r, p, dklen, salt) or "pbkdf2" (c, dklen, prf "hmac-sha256", salt);
// cipher "aes-128-ctr" (iv) with derivedKey[0:16]; MAC = keccak256(derivedKey[16:32] ++ ciphertext).
// Member names are read case-insensitively, and hex with or without 0x, as eth_keyfile reads them.
import { ctr } from '@noble/ciphers/aes.js';
import { pbkdf2Async } from '@noble/hashes/pbkdf2.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { concat, equal, fromHex, isBytes, utf8 } from '../../../verifier-js/src/bytes.js';
import { addressOf } from './keys.js';
import { toAddress, SignerError } from './util.js';

/** Why a keystore could not be opened: `code` is 'not-a-keystore' or 'wrong-password'. */
export class KeystoreError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'KeystoreError';
    this.code = code;
  }
}

const notKeystore = (why) => new KeystoreError('not-a-keystore', `not a keystore file this portal can open: ${why}`);

// scrypt's memory is 128 * r * (n + p + 1) bytes; 2^20 * 8 (1 GiB) is noble's own ceiling
const MAX_SCRYPT_MEMORY = 128 * 8 * (2 ** 20 + 2);
const MAX_PBKDF2_ROUNDS = 10_000_000;

function lowerKeys(value) {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) out[k.toLowerCase()] = lowerKeys(v);
  return out;
}

function parse(jsonText) {
  let data = jsonText;
  if (typeof jsonText === 'string') {
    try {
      data = JSON.parse(jsonText);
    } catch {
      throw notKeystore('the text is not JSON');
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw notKeystore('not a JSON object');
  return lowerKeys(data);
}

function hex(value, name, length) {
  try {
    return fromHex(value, { prefix: 'optional', length });
  } catch {
    throw notKeystore(`${name} is not ${length === undefined ? '' : `${length} bytes of `}hex`);
  }
}

function positiveInt(value, name, max = Number.MAX_SAFE_INTEGER) {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) throw notKeystore(`${name} is not a usable positive integer`);
  return value;
}

/**
 * The address a keystore names (EIP-55), read without decrypting it. Throws KeystoreError
 * ('not-a-keystore') when the text is no keystore or names no address.
 */
export function keystoreAddress(jsonText) {
  const data = parse(jsonText);
  if (!('address' in data) || !('crypto' in data)) throw notKeystore('it names no address');
  try {
    return toAddress(String(data.address).startsWith('0x') ? data.address : '0x' + data.address);
  } catch (e) {
    if (e instanceof SignerError) throw notKeystore('its address is not an Ethereum address');
    throw e;
  }
}

async function deriveKey(crypto, passwordBytes, onProgress) {
  const params = crypto.kdfparams;
  if (typeof params !== 'object' || params === null) throw notKeystore('kdfparams is missing');
  const salt = hex(params.salt, 'the salt');
  const dkLen = positiveInt(params.dklen, 'dklen', 1024);
  if (dkLen < 32) throw notKeystore('dklen is under 32 bytes');
  if (crypto.kdf === 'scrypt') {
    const N = positiveInt(params.n, 'n');
    const r = positiveInt(params.r, 'r', 1024);
    const p = positiveInt(params.p, 'p', 1024);
    if (N < 2 || !Number.isInteger(Math.log2(N))) throw notKeystore('scrypt n is not a power of two above 1');
    if (128 * r * (N + p + 1) > MAX_SCRYPT_MEMORY) throw notKeystore('its scrypt parameters need more than 1 GiB of memory');
    return scryptAsync(passwordBytes, salt, { N, r, p, dkLen, maxmem: MAX_SCRYPT_MEMORY, onProgress });
  }
  if (crypto.kdf === 'pbkdf2') {
    if (params.prf !== 'hmac-sha256') throw notKeystore('only pbkdf2 with prf hmac-sha256 is supported');
    const c = positiveInt(params.c, 'c', MAX_PBKDF2_ROUNDS);
    const key = await pbkdf2Async(sha256, passwordBytes, salt, { c, dkLen });
    if (onProgress) onProgress(1);
    return key;
  }
  throw notKeystore(`unsupported kdf ${JSON.stringify(String(crypto.kdf)).slice(0, 40)}`);
}

/**
 * Decrypt a version-3 keystore (its JSON text, or the parsed object) with `password`
 * (a string, used as its UTF-8 bytes, or bytes). Resolves to the 32-byte private key.
 * Rejects with KeystoreError: code 'wrong-password' when the MAC does not match,
 * 'not-a-keystore' when the text is unreadable, of another version, or uses a kdf or cipher
 * other than scrypt / pbkdf2-hmac-sha256 and aes-128-ctr. `opts.onProgress(fraction)` is
 * called as scrypt runs (a progress bar); scrypt yields to the event loop every few ms.
 */
export async function decryptKeystore(jsonText, password, opts = {}) {
  const data = parse(jsonText);
  if (data.version !== 3) throw notKeystore('only version 3 keystores are supported');
  const crypto = data.crypto;
  if (typeof crypto !== 'object' || crypto === null) throw notKeystore('the crypto member is missing');
  if (crypto.cipher !== 'aes-128-ctr') throw notKeystore('only the cipher aes-128-ctr is supported');
  const iv = hex(crypto.cipherparams?.iv, 'the iv', 16);
  const ciphertext = hex(crypto.ciphertext, 'the ciphertext', 32);
  const mac = hex(crypto.mac, 'the mac', 32);
  let passwordBytes;
  if (typeof password === 'string') passwordBytes = utf8(password);
  else if (isBytes(password)) passwordBytes = password;
  else throw new TypeError('a password is a string (or its bytes)');

  const derived = await deriveKey(crypto, passwordBytes, opts.onProgress);
  if (!equal(keccak_256(concat(derived.subarray(16, 32), ciphertext)), mac)) {
    derived.fill(0);
    throw new KeystoreError('wrong-password', 'wrong password for this keystore (its MAC does not match)');
  }
  const key = ctr(derived.slice(0, 16), iv).decrypt(ciphertext);
  derived.fill(0);
  let address;
  try {
    address = addressOf(key);
  } catch {
    throw notKeystore('it decrypts to no valid secp256k1 key');
  }
  if ('address' in data && typeof data.address === 'string') {
    let named = null;
    try {
      named = keystoreAddress(data);
    } catch {
      // an unreadable address member is ignored, as eth_account ignores it
    }
    if (named !== null && named !== address) throw notKeystore('it holds the key of another address than it names');
  }
  return key;
}
