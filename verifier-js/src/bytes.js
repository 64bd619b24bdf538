// Byte helpers: hex (0x-prefixed, as GridLedger writes it), base64, UTF-8, comparison.
// Nothing here depends on Node: the same module runs in the browser bundle.

const HEX = '0123456789abcdef';
const HEX_RE = /^[0-9a-fA-F]*$/;

export class BytesError extends Error {}

/** Lower-case hex with a 0x prefix. */
export function toHex(bytes) {
  let s = '0x';
  for (const b of bytes) s += HEX[b >> 4] + HEX[b & 15];
  return s;
}

/**
 * Parse hex text into bytes.
 * @param {string} text - hex digits, with a `0x` prefix unless `prefix` is false
 * @param {{length?: number, prefix?: boolean|'optional', lowercase?: boolean}} [opts]
 *   `length` (bytes) is enforced when given; `lowercase` refuses upper-case digits.
 */
export function fromHex(text, opts = {}) {
  const { length, prefix = true, lowercase = false } = opts;
  if (typeof text !== 'string') throw new BytesError('expected a hex string');
  let digits = text;
  const has = text.startsWith('0x');
  if (prefix === true && !has) throw new BytesError('hex string must start with 0x');
  if (prefix === false && has) throw new BytesError('hex string must not start with 0x');
  if (has) digits = text.slice(2);
  if (digits.length % 2 !== 0) throw new BytesError('hex string has an odd number of digits');
  if (!HEX_RE.test(digits)) throw new BytesError('hex string has a non-hex character');
  if (lowercase && digits !== digits.toLowerCase()) throw new BytesError('hex string must be lower-case');
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.substr(i * 2, 2), 16);
  if (length !== undefined && out.length !== length) {
    throw new BytesError(`expected ${length} bytes, got ${out.length}`);
  }
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

/** Standard base64 (RFC 4648 §4, with padding) to bytes; strict about the alphabet and padding. */
export function fromBase64(text) {
  if (typeof text !== 'string') throw new BytesError('expected a base64 string');
  if (text.length % 4 !== 0) throw new BytesError('base64 length is not a multiple of 4');
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const body = text.slice(0, text.length - pad);
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let acc = 0;
  let bits = 0;
  let j = 0;
  for (const c of body) {
    const v = B64_INDEX.get(c);
    if (v === undefined) throw new BytesError('invalid base64 character');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text) {
  return encoder.encode(text);
}

export function fromUtf8(bytes) {
  return decoder.decode(bytes);
}

export function concat(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function equal(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

export function isBytes(x) {
  return x instanceof Uint8Array;
}

/** Big-endian unsigned integer of `bytes`. */
export function toBigInt(bytes) {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** `value` as `size` big-endian bytes (throws if it does not fit or is negative). */
export function fromBigInt(value, size = 32) {
  let v = BigInt(value);
  if (v < 0n) throw new BytesError('negative integer');
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new BytesError(`integer does not fit in ${size} bytes`);
  return out;
}
