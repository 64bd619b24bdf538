// GridLedger portal: browser-side signing (keystores, personal_sign, signed requests, SIWE, record commits).
export { SignerError, toAddress, privateKeyBytes, toBase64 } from './util.js';
export { addressOf, signDigest, personalDigest, personalSign } from './keys.js';
export { KeystoreError, decryptKeystore, keystoreAddress } from './keystore.js';
export {
  signRequest, contentDigest, normalizeAuthority, componentValues, signatureBase, serializeInnerList,
  PROFILE, LABEL, COMPONENTS,
} from './request.js';
export { siweMessage, signIn } from './siwe.js';
export { prepareCommit, ENTRY_FORMAT } from './commit.js';
