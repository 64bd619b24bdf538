// Signed requests: the RFC 9421 profile gridledger-v1 (port of ledger/client/request_signing.py).
//
//   Content-Digest: sha-256=:<base64 SHA-256(body)>:
//   Signature-Input: sig1=("@method" "@authority" "@path" "@query" "content-digest");created=<s>;keyid="<EIP-55>";nonce="<hex>";tag="gridledger-v1"
//   Signature: sig1=:<base64 of personal_sign(signature base), 65 bytes r||s||v>:
import { sha256 } from '@noble/hashes/sha2.js';
import { isBytes, utf8 } from '../../../verifier-js/src/bytes.js';
import { addressOf, personalSign } from './keys.js';
import { randomBytes, toAddress, toBase64, SignerError } from './util.js';

export const PROFILE = 'gridledger-v1';
export const LABEL = 'sig1';
export const COMPONENTS = ['@method', '@authority', '@path', '@query', 'content-digest'];

const DEFAULT_PORTS = { http: ':80', https: ':443' };
const PRINTABLE = /^[\x20-\x7e]*$/;
const NONCE = /^[0-9a-f]{32,64}$/;
const MAX_SF_INTEGER = 999_999_999_999_999;

/** The RFC 9530 Content-Digest value of `body` (bytes; an empty body too). */
export function contentDigest(body) {
  return `sha-256=:${toBase64(sha256(body))}:`;
}

/**
 * `@authority` from a Host value: trimmed, lower case, the scheme's default port omitted.
 * As in Python, the scheme defaults to http, so only ":80" is dropped unless told otherwise.
 */
export function normalizeAuthority(host, scheme = 'http') {
  const authority = host.trim().toLowerCase();
  const port = DEFAULT_PORTS[scheme.toLowerCase()];
  return port && authority.endsWith(port) ? authority.slice(0, -port.length) : authority;
}

/** The component values of a request for `target` (`path` or `path?query`, as sent). */
export function componentValues(method, authority, target, digest) {
  const at = target.indexOf('?');
  const path = at < 0 ? target : target.slice(0, at);
  const query = at < 0 ? '' : target.slice(at + 1);
  return {
    '@method': method,
    '@authority': authority,
    '@path': path || '/',
    '@query': '?' + query,
    'content-digest': digest,
  };
}

function sfString(value) {
  if (!PRINTABLE.test(value)) throw new SignerError('a structured-field string holds a character outside printable ASCII');
  return '"' + value.replaceAll('\\', '\\\\').replaceAll('"', '\\"') + '"';
}

function sfBareItem(value) {
  if (typeof value === 'boolean') return value ? '?1' : '?0';
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || Math.abs(value) > MAX_SF_INTEGER) throw new SignerError('an integer has more than 15 digits');
    return String(value);
  }
  if (typeof value === 'string') return sfString(value);
  throw new SignerError('unsupported structured-field item');
}

/**
 * RFC 8941 §4.1.1.1 for the inner list a signature names: `(item item ...)` then its parameters
 * (`params` is a list of [key, value] pairs; a value of true is written as the bare key).
 */
export function serializeInnerList(items, params) {
  const list = items.map(sfBareItem).join(' ');
  const ps = params.map(([k, v]) => (v === true ? `;${k}` : `;${k}=${sfBareItem(v)}`)).join('');
  return `(${list})${ps}`;
}

/** RFC 9421 §2.5: one `"<name>": <value>` line per component, then `"@signature-params": <inner list>` (no newline). */
export function signatureBase(values, covered, signatureParams) {
  const lines = covered.map((name) => {
    const value = values[name];
    if (!PRINTABLE.test(value)) throw new SignerError(`the ${name} component must be printable ASCII (percent-encode the target)`);
    return `"${name}": ${value}\n`;
  });
  return utf8(lines.join('') + `"@signature-params": ${signatureParams}`);
}

/**
 * The headers that sign one request (ledger.client.request_signing.sign_request).
 * @param {object} req
 * @param {Uint8Array|string} req.privateKey
 * @param {string} [req.address] the signer's address (keyid); defaults to the key's, and must be the key's
 * @param {string} req.method
 * @param {string} req.target the path and query exactly as they go on the wire (percent-encoded)
 * @param {Uint8Array} [req.body] the body's bytes (empty for a GET)
 * @param {string} req.authority the host[:port] the request is sent to
 * @param {string} [req.scheme] 'http' (the default, as in Python: only :80 is dropped) or 'https'
 * @param {number} [req.created] Unix seconds; defaults to now
 * @param {string} [req.nonce] 32-64 lower-case hex digits; defaults to 16 random bytes in hex
 * @returns {{'Content-Digest': string, 'Signature-Input': string, 'Signature': string}}
 */
export function signRequest({
  privateKey, address, method, target, body = new Uint8Array(0), authority, scheme = 'http', created, nonce,
}) {
  if (!isBytes(body)) throw new SignerError('a request body is bytes (a Uint8Array; empty for a GET)');
  if (typeof method !== 'string' || typeof target !== 'string' || typeof authority !== 'string') {
    throw new SignerError('method, target and authority are strings');
  }
  const own = addressOf(privateKey);
  const keyid = address === undefined || address === null ? own : toAddress(address);
  if (keyid !== own) throw new SignerError('the address is not the private key\'s: the gateway would refuse the signature');
  const when = created === undefined || created === null ? Math.floor(Date.now() / 1000) : created;
  if (!Number.isSafeInteger(when)) throw new SignerError('created is an integer (Unix seconds)');
  const once = nonce || [...randomBytes(16)].map((b) => b.toString(16).padStart(2, '0')).join('');
  if (typeof once !== 'string' || !NONCE.test(once)) throw new SignerError('a nonce is 32-64 lower-case hex digits');

  const digest = contentDigest(body);
  const params = [['created', when], ['keyid', keyid], ['nonce', once], ['tag', PROFILE]];
  const inner = serializeInnerList(COMPONENTS, params);
  const values = componentValues(method.toUpperCase(), normalizeAuthority(authority, scheme), target, digest);
  const signature = personalSign(privateKey, signatureBase(values, COMPONENTS, inner));
  return {
    'Content-Digest': digest,
    'Signature-Input': `${LABEL}=${inner}`,
    Signature: `${LABEL}=:${toBase64(signature)}:`,
  };
}
