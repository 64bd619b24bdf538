// Sign-In with Ethereum (EIP-4361), in exactly the layout gateway/services/sign_in.py accepts.
import { toHex, utf8 } from '../../../verifier-js/src/bytes.js';
import { addressOf, personalSign } from './keys.js';
import { toAddress, SignerError } from './util.js';

function line(value, name) {
  if (typeof value !== 'string' || /[\r\n]/.test(value)) throw new SignerError(`${name} is a string on one line`);
  return value;
}

function token(value, name) {
  if (typeof value !== 'string' || value === '' || /\s/.test(value)) throw new SignerError(`${name} is a non-empty string without spaces`);
  return value;
}

/**
 * The EIP-4361 message (lines joined by "\n", no trailing newline):
 *
 *   {domain} wants you to sign in with your Ethereum account:
 *   {address}
 *
 *   {statement}
 *
 *   URI: {uri}
 *   Version: 1
 *   Chain ID: {chainId}
 *   Nonce: {nonce}
 *   Issued At: {issuedAt}
 *   Expiration Time: {expirationTime}
 *
 * `address` is written in its EIP-55 form; issuedAt / expirationTime are RFC 3339 texts, as given.
 * A field holding a line break (which could forge another line) is refused.
 */
export function siweMessage({ domain, address, statement, uri, chainId, nonce, issuedAt, expirationTime }) {
  const chain = typeof chainId === 'bigint' ? chainId : Number.isSafeInteger(chainId) && chainId > 0 ? chainId : null;
  if (chain === null) throw new SignerError('chainId is a positive integer');
  return [
    `${token(domain, 'domain')} wants you to sign in with your Ethereum account:`,
    toAddress(address),
    '',
    line(statement, 'statement'),
    '',
    `URI: ${token(uri, 'uri')}`,
    'Version: 1',
    `Chain ID: ${chain}`,
    `Nonce: ${token(nonce, 'nonce')}`,
    `Issued At: ${token(issuedAt, 'issuedAt')}`,
    `Expiration Time: ${token(expirationTime, 'expirationTime')}`,
  ].join('\n');
}

/**
 * Sign in: the EIP-4361 message for `fields` and its personal_sign signature ("0x" + 130 hex),
 * what POST /v1/session takes. `fields.address` defaults to the key's, and must be the key's.
 */
export function signIn(privateKey, fields) {
  const own = addressOf(privateKey);
  const address = fields.address === undefined || fields.address === null ? own : toAddress(fields.address);
  if (address !== own) throw new SignerError('the address is not the private key\'s');
  const message = siweMessage({ ...fields, address });
  return { message, signature: toHex(personalSign(privateKey, utf8(message))) };
}
