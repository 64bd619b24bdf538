// The portal's signer against the Python implementation (test/vectors/signer-vectors.json,
// written by scripts/make_signer_vectors.py), plus its error paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  addressOf, personalDigest, personalSign, signDigest, decryptKeystore, keystoreAddress, KeystoreError,
  signRequest, signatureBase, componentValues, contentDigest, normalizeAuthority, COMPONENTS,
  siweMessage, signIn, prepareCommit, SignerError, toAddress,
} from '../src/signer/index.js';
import { fromBase64, fromHex, toHex, utf8 } from '../../verifier-js/src/bytes.js';
import { recoverAddress } from '../../verifier-js/src/signature.js';
import { entryDigest } from '../../verifier-js/src/eip712.js';

const V = JSON.parse(readFileSync(new URL('./vectors/signer-vectors.json', import.meta.url), 'utf8'));
const key = (name) => fromHex(V.keys[name].private_key);

test('the vector file is the one this test reads, and is not empty', () => {
  assert.equal(V.format, 'gridledger-portal-signer-vectors/1');
  assert.ok(Object.keys(V.keys).length >= 3);
  assert.ok(V.keystores.length >= 4);
  assert.ok(V.personal_sign.length >= 5);
  assert.ok(V.requests.length >= 4);
  assert.ok(V.commits.length >= 3);
  assert.ok(V.sign_in.length >= 1);
});

test('addressOf: EIP-55 address of each key (bytes or hex)', () => {
  for (const { private_key: hex, address } of Object.values(V.keys)) {
    assert.equal(addressOf(fromHex(hex)), address);
    assert.equal(addressOf(hex), address);
    assert.equal(addressOf(hex.slice(2)), address);
  }
  assert.throws(() => addressOf(new Uint8Array(32)), SignerError); // zero is no key
  assert.throws(() => addressOf(new Uint8Array(31).fill(1)), SignerError);
  assert.throws(() => addressOf('0x' + 'ff'.repeat(32)), SignerError); // above the group order
});

// ---- keystores

for (const ks of V.keystores) {
  test(`decryptKeystore: ${ks.label}`, async () => {
    assert.equal(keystoreAddress(ks.json), ks.address);
    const got = await decryptKeystore(ks.json, ks.password);
    assert.ok(got instanceof Uint8Array);
    assert.equal(toHex(got), ks.private_key);
    assert.equal(addressOf(got), ks.address);
    // the parsed object is accepted as well as the text
    assert.equal(toHex(await decryptKeystore(JSON.parse(ks.json), ks.password)), ks.private_key);
  });
}

async function rejectsWith(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof KeystoreError, `expected a KeystoreError, got ${e}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

test('decryptKeystore: a wrong password is code wrong-password', async () => {
  const scrypt = V.keystores.find((k) => JSON.parse(k.json).crypto.kdf === 'scrypt');
  const pbkdf2 = V.keystores.find((k) => JSON.parse(k.json).crypto.kdf === 'pbkdf2');
  await rejectsWith(decryptKeystore(scrypt.json, scrypt.password + ' '), 'wrong-password');
  await rejectsWith(decryptKeystore(pbkdf2.json, pbkdf2.password.toUpperCase() + 'x'), 'wrong-password');
  // NFKD-equivalent but different bytes: v3 keystores use the password's UTF-8 bytes as they are
  const unicode = V.keystores.find((k) => /[^\x00-\x7f]/.test(k.password));
  await rejectsWith(decryptKeystore(unicode.json, unicode.password.normalize('NFD')), 'wrong-password');
  // a damaged ciphertext fails the MAC too
  const data = JSON.parse(scrypt.json);
  const c = data.crypto.ciphertext;
  data.crypto.ciphertext = c.slice(0, -1) + (c.endsWith('0') ? '1' : '0');
  await rejectsWith(decryptKeystore(JSON.stringify(data), scrypt.password), 'wrong-password');
});

test('decryptKeystore / keystoreAddress: what is no keystore is code not-a-keystore', async () => {
  const good = JSON.parse(V.keystores[0].json);
  const variant = (f) => {
    const d = structuredClone(good);
    f(d);
    return JSON.stringify(d);
  };
  const bad = [
    'not json at all',
    '',
    '[]',
    'null',
    '{}',
    '{"address": "c284122b36bd3cc24f77e2d8e3422e483a3126b5"}',
    variant((d) => { d.version = 4; }),
    variant((d) => { d.crypto.kdf = 'argon2id'; }),
    variant((d) => { d.crypto.cipher = 'aes-128-cbc'; }),
    variant((d) => { d.crypto.kdfparams.n = 1000; }),
    variant((d) => { d.crypto.kdfparams.n = 2 ** 30; }), // 128 GiB of memory
    variant((d) => { d.crypto.kdfparams.dklen = 16; }),
    variant((d) => { d.crypto.mac = 'zz'; }),
    variant((d) => { delete d.crypto.cipherparams; }),
    variant((d) => { d.crypto.ciphertext = d.crypto.ciphertext.slice(2); }),
    variant((d) => { d.crypto.kdf = 'pbkdf2'; d.crypto.kdfparams = { c: 1000, dklen: 32, prf: 'hmac-sha512', salt: 'aa' }; }),
  ];
  for (const text of bad) await rejectsWith(decryptKeystore(text, V.keystores[0].password), 'not-a-keystore');
  for (const text of bad.slice(0, 5)) {
    assert.throws(() => keystoreAddress(text), (e) => e instanceof KeystoreError && e.code === 'not-a-keystore');
  }
  assert.throws(() => keystoreAddress(variant((d) => { d.address = 'not an address'; })),
    (e) => e instanceof KeystoreError && e.code === 'not-a-keystore');
  // the right password, but the file names another address than the key it holds
  await rejectsWith(decryptKeystore(variant((d) => { d.address = V.keys.k2.address.slice(2); }), V.keystores[0].password),
    'not-a-keystore');
});

// ---- personal_sign

for (const [i, v] of V.personal_sign.entries()) {
  test(`personalSign #${i}: ${v.key}, ${(v.message.length - 2) / 2} bytes`, () => {
    const message = fromHex(v.message);
    assert.equal(toHex(personalDigest(message)), v.digest);
    const sig = personalSign(key(v.key), message);
    assert.equal(sig.length, 65);
    assert.equal(toHex(sig), v.signature);
    assert.ok(sig[64] === 27 || sig[64] === 28);
    assert.equal(recoverAddress(fromHex(v.digest), sig), V.keys[v.key].address);
  });
}

test('personalSign of a string signs its UTF-8 bytes; signDigest wants 32 bytes', () => {
  const text = '登记 household 3-2-501 ✓';
  assert.deepEqual(personalSign(key('k1'), text), personalSign(key('k1'), utf8(text)));
  assert.throws(() => signDigest(key('k1'), new Uint8Array(31)), SignerError);
});

// ---- signed requests

const requestInput = (v) => ({ ...v.input, privateKey: key(v.input.key), body: fromHex(v.input.body) });

for (const v of V.requests) {
  test(`signRequest: ${v.label}`, () => {
    const headers = signRequest(requestInput(v));
    assert.deepEqual(headers, v.headers);
    const { method, authority, target } = v.input;
    const values = componentValues(method.toUpperCase(), normalizeAuthority(authority), target, headers['Content-Digest']);
    const inner = headers['Signature-Input'].slice('sig1='.length);
    const base = signatureBase(values, COMPONENTS, inner);
    assert.equal(new TextDecoder().decode(base), v.base);
    const sig = fromBase64(headers.Signature.slice('sig1=:'.length, -1));
    assert.equal(recoverAddress(personalDigest(base), sig), V.keys[v.input.key].address);
  });
}

test('signRequest: defaults (now, a random nonce, the key\'s address) and refusals', () => {
  const before = Math.floor(Date.now() / 1000);
  const h = signRequest({ privateKey: key('k1'), method: 'GET', target: '/v1/me', authority: 'gateway.example' });
  const m = /^sig1=\("@method" "@authority" "@path" "@query" "content-digest"\);created=(\d+);keyid="(0x[0-9a-fA-F]{40})";nonce="([0-9a-f]{32})";tag="gridledger-v1"$/
    .exec(h['Signature-Input']);
  assert.ok(m, h['Signature-Input']);
  assert.ok(Number(m[1]) >= before && Number(m[1]) <= before + 5);
  assert.equal(m[2], V.keys.k1.address);
  assert.equal(h['Content-Digest'], 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:');
  const again = signRequest({ privateKey: key('k1'), method: 'GET', target: '/v1/me', authority: 'gateway.example' });
  assert.notEqual(again['Signature-Input'], h['Signature-Input']); // a fresh nonce each time
  const base = { privateKey: key('k1'), method: 'GET', target: '/v1/me', authority: 'gateway.example', created: 1, nonce: '0'.repeat(32) };
  assert.throws(() => signRequest({ ...base, address: V.keys.k2.address }), SignerError);
  assert.throws(() => signRequest({ ...base, nonce: 'ABCDEF'.repeat(6) }), SignerError);
  assert.throws(() => signRequest({ ...base, target: '/v1/records/家' }), SignerError); // not percent-encoded
  assert.throws(() => signRequest({ ...base, created: 1.5 }), SignerError);
  assert.throws(() => signRequest({ ...base, body: 'text' }), SignerError);
  // https: an explicit default port is dropped when the scheme is given
  assert.equal(normalizeAuthority('Gateway.Example:443', 'https'), 'gateway.example');
  assert.equal(normalizeAuthority('Gateway.Example:443'), 'gateway.example:443');
  assert.equal(contentDigest(utf8('{}')), 'sha-256=:RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=:');
});

test('toAddress reads addresses as ledger.types.to_address does', () => {
  const a = V.keys.k1.address;
  assert.equal(toAddress(a.toLowerCase()), a);
  assert.equal(toAddress(a.slice(2).toLowerCase()), a);
  assert.equal(toAddress('0x' + a.slice(2).toUpperCase()), a);
  const wrongCase = a.slice(0, 2) + [...a.slice(2)].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
  assert.throws(() => toAddress(wrongCase), SignerError);
  assert.throws(() => toAddress('0x1234'), SignerError);
});

// ---- record commits

const commitInput = (v) => ({
  privateKey: key(v.input.key),
  org: v.input.org,
  chainId: v.input.chain_id,
  registry: v.input.registry,
  recordType: v.input.record_type,
  typeVersion: v.input.type_version,
  payload: v.input.payload,
  supersedes: v.input.supersedes,
  version: v.input.version,
  recordId: v.input.record_id,
  secret: fromHex(v.input.secret),
});

for (const v of V.commits) {
  test(`prepareCommit: ${v.label}`, () => {
    const body = prepareCommit(commitInput(v));
    assert.deepEqual(body, v.body);
    assert.deepEqual(Object.keys(body), Object.keys(v.body));
    const entry = {
      format: 2, record_id: body.id, org: v.input.org, type: body.type, version: body.version,
      supersedes: body.supersedes, commitment: v.commitment, type_version: body.type_version,
    };
    const digest = entryDigest(entry, v.input.chain_id, v.input.registry);
    assert.equal(toHex(digest), v.digest);
    assert.equal(recoverAddress(digest, body.signature), v.committer);
    assert.equal(v.committer, V.keys[v.input.key].address);
    // also with the chain id as a bigint and the secret as hex
    assert.deepEqual(prepareCommit({ ...commitInput(v), chainId: BigInt(v.input.chain_id), secret: v.input.secret }), v.body);
  });
}

test('prepareCommit: defaults (a random UUID and secret, version 1) and refusals', () => {
  const v = V.commits[0];
  const { recordId, secret, version, ...rest } = commitInput(v);
  const a = prepareCommit(rest);
  const b = prepareCommit(rest);
  assert.match(a.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.match(a.record_secret, /^0x[0-9a-f]{64}$/);
  assert.notEqual(a.id, b.id);
  assert.notEqual(a.record_secret, b.record_secret);
  assert.equal(a.version, 1);
  assert.equal(a.supersedes, null);
  const base = commitInput(v);
  const refused = [
    { payload: {} },
    { payload: [1] },
    { payload: { n: 2 ** 53 } },
    { payload: { when: new Date(0) } },
    { payload: { x: undefined } },
    { recordId: v.input.record_id.toUpperCase() },
    { org: 'Not A Slug' },
    { recordType: 'x'.repeat(33) },
    { typeVersion: '0x1234' },
    { version: 0 },
    { version: 1.5 },
    { supersedes: 'not-a-uuid' },
    { secret: new Uint8Array(16) },
    { chainId: 0 },
    { registry: '0x1234' },
  ];
  for (const change of refused) {
    assert.throws(() => prepareCommit({ ...base, ...change }), Error, JSON.stringify(Object.keys(change)));
  }
});

// ---- sign-in

for (const v of V.sign_in) {
  test(`siweMessage / signIn: ${v.fields.domain}`, () => {
    assert.equal(siweMessage(v.fields), v.message);
    const { address, ...withoutAddress } = v.fields;
    const out = signIn(key(v.key), withoutAddress);
    assert.deepEqual(out, { message: v.message, signature: v.signature });
    assert.deepEqual(signIn(key(v.key), v.fields), out);
    assert.equal(recoverAddress(personalDigest(utf8(out.message)), out.signature), address);
  });
}

test('siweMessage: the exact text for fixed fields', () => {
  const fields = {
    domain: 'portal.example.org',
    address: '0x7e5f4552091a69125d5dfcb7b8c2659029395bdf', // written in its EIP-55 form
    statement: 'Sign in to the GridLedger portal.',
    uri: 'https://portal.example.org/',
    chainId: 31337,
    nonce: 'a'.repeat(64),
    issuedAt: '2026-01-01T00:00:00Z',
    expirationTime: '2026-01-01T00:10:00Z',
  };
  const expected = 'portal.example.org wants you to sign in with your Ethereum account:\n'
    + '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf\n'
    + '\n'
    + 'Sign in to the GridLedger portal.\n'
    + '\n'
    + 'URI: https://portal.example.org/\n'
    + 'Version: 1\n'
    + 'Chain ID: 31337\n'
    + 'Nonce: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n'
    + 'Issued At: 2026-01-01T00:00:00Z\n'
    + 'Expiration Time: 2026-01-01T00:10:00Z';
  assert.equal(siweMessage(fields), expected);
  const one = new Uint8Array(32);
  one[31] = 1; // the key of 0x7E5F...5Bdf
  const { message, signature } = signIn(one, fields);
  assert.equal(message, expected);
  assert.match(signature, /^0x[0-9a-f]{130}$/);
  assert.equal(recoverAddress(personalDigest(utf8(message)), signature), '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf');
  // a field that would forge another line, and an address that is not the key's, are refused
  assert.throws(() => siweMessage({ ...fields, statement: 'hi\nURI: https://evil.example/' }), SignerError);
  assert.throws(() => siweMessage({ ...fields, domain: 'evil.example wants' }), SignerError);
  assert.throws(() => siweMessage({ ...fields, chainId: '31337' }), SignerError);
  assert.throws(() => signIn(key('k1'), fields), SignerError);
});
