// GridLedger portal: browser-side signing (keystores, personal_sign, signed requests, SIWE, record commits,
// relayed grant / revocation / review signatures).
export { SignerError, toAddress, privateKeyBytes, toBase64 } from './util.js';
export { addressOf, signDigest, personalDigest, personalSign } from './keys.js';
export { KeystoreError, decryptKeystore, keystoreAddress } from './keystore.js';
export {
  signRequest, contentDigest, normalizeAuthority, componentValues, signatureBase, serializeInnerList,
  PROFILE, LABEL, COMPONENTS,
} from './request.js';
export { siweMessage, signIn } from './siwe.js';
export { prepareCommit, ENTRY_FORMAT } from './commit.js';
export {
  grantBody, revokeBody, reviewBody, relayDigest, purposeHash, reasonHash,
  GRANTS_DOMAIN, RELAY_TTL, GRANT_TYPE, REVOKE_TYPE, REVIEW_GRANT_TYPE,
} from './grants.js';
