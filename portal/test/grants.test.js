// Relayed grant, revocation and review signatures against the Python SDK: the vectors are the bodies
// a GatewayClient sends (captured by scripts/make_signer_vectors.py), with fixed salts, nonces, deadlines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  grantBody, revokeBody, reviewBody, relayDigest, purposeHash, reasonHash,
  GRANT_TYPE, REVOKE_TYPE, REVIEW_GRANT_TYPE, RELAY_TTL, SignerError,
} from '../src/signer/index.js';
import { fromHex, toHex } from '../../verifier-js/src/bytes.js';
import { slugWord, uuidWord } from '../../verifier-js/src/eip712.js';
import { recoverAddress } from '../../verifier-js/src/signature.js';

const V = JSON.parse(readFileSync(new URL('./vectors/signer-vectors.json', import.meta.url), 'utf8'));
const key = (name) => fromHex(V.keys[name].private_key);
const address = (name) => V.keys[name].address;

const relayInput = (input) => ({
  privateKey: key(input.key),
  chainId: input.chain_id,
  grantsContract: input.grants,
  nonce: input.nonce,
  deadline: input.deadline,
});

const grantInput = ({ input }) => {
  const p = {
    ...relayInput(input),
    owner: input.owner,
    grantee: input.grantee,
    fields: input.fields,
    purpose: input.purpose,
    expiresAt: input.expires_at,
    record: input.record,
    recordType: input.record_type,
    salt: fromHex(input.salt),
  };
  if (input.purpose_code !== null) p.purposeCode = input.purpose_code; // else the default, 'general'
  return p;
};

const revokeInput = ({ input }) => ({ ...relayInput(input), grantId: input.grant_id });

const reviewInput = ({ input }) => ({
  ...relayInput(input),
  grantId: input.grant_id,
  approved: input.approved,
  reason: input.reason,
  ...(input.salt === null ? {} : { salt: fromHex(input.salt) }),
});

const signatureOf = (body) => fromHex(body.signature);

test('the grant vectors are there, and the struct types are the contract\'s', () => {
  assert.ok(V.grants.length >= 3);
  assert.ok(V.revokes.length >= 2);
  assert.ok(V.reviews.length >= 4);
  // contracts/AccessGrants.sol _GRANT_TYPEHASH, _REVOKE_TYPEHASH, _REVIEW_TYPEHASH
  assert.equal(GRANT_TYPE, 'Grant(bytes32 ownerOrg,bytes32 granteeOrg,uint8 scopeKind,bytes32 scope,string[] fields,'
    + 'bytes32 purposeCode,bytes32 purposeHash,uint64 expiresAt,address signer,uint256 nonce,uint256 deadline)');
  assert.equal(REVOKE_TYPE, 'Revoke(uint256 grantId,address signer,uint256 nonce,uint256 deadline)');
  assert.equal(REVIEW_GRANT_TYPE,
    'ReviewGrant(uint256 grantId,bool approved,bytes32 reasonHash,address signer,uint256 nonce,uint256 deadline)');
});

// ---- grants

for (const v of V.grants) {
  test(`grantBody: ${v.label}`, () => {
    assert.equal(v.method, 'POST');
    assert.equal(v.path, '/v1/grants');
    const body = grantBody(grantInput(v));
    assert.deepEqual(body, v.body);
    assert.deepEqual(Object.keys(body), Object.keys(v.body)); // the SDK's key order: the same JSON text
    assert.equal(JSON.stringify(body), JSON.stringify(v.body));

    const { input } = v;
    const hashed = purposeHash(fromHex(input.salt), input.purpose);
    assert.equal(toHex(hashed), v.purpose_hash);
    const message = {
      ownerOrg: slugWord(input.owner),
      granteeOrg: slugWord(input.grantee),
      scopeKind: input.record ? 0 : 1,
      scope: input.record ? uuidWord(input.record.toLowerCase()) : slugWord(input.record_type),
      fields: input.fields,
      purposeCode: slugWord(input.purpose_code ?? 'general'),
      purposeHash: hashed,
      expiresAt: input.expires_at,
    };
    const digest = relayDigest('Grant', message, {
      chainId: input.chain_id, grantsContract: input.grants, signer: address(input.key), nonce: input.nonce, deadline: input.deadline,
    });
    assert.equal(toHex(digest), v.digest);
    assert.equal(recoverAddress(digest, signatureOf(body)), address(input.key));
    // the chain id as a bigint, the salt and key as hex, the contract in lower case: the same body
    assert.deepEqual(grantBody({
      ...grantInput(v), chainId: BigInt(input.chain_id), salt: input.salt, privateKey: V.keys[input.key].private_key,
      grantsContract: input.grants.toLowerCase(), nonce: BigInt(input.nonce),
    }), v.body);
  });
}

test('grantBody: defaults (a random salt, a deadline of now + 600 s) and refusals', () => {
  const v = V.grants[0];
  const { salt, deadline, ...rest } = grantInput(v);
  const before = Math.floor(Date.now() / 1000);
  const a = grantBody(rest);
  const b = grantBody(rest);
  assert.match(a.purpose_salt, /^0x[0-9a-f]{64}$/);
  assert.notEqual(a.purpose_salt, b.purpose_salt);
  assert.ok(a.deadline >= before + RELAY_TTL && a.deadline <= before + RELAY_TTL + 5);
  assert.equal(a.purpose_code, 'general');
  // what it signed is what it sent: the digest rebuilt from the body recovers to the key
  const message = {
    ownerOrg: slugWord(a.owner), granteeOrg: slugWord(a.grantee), scopeKind: 1, scope: slugWord(a.type),
    fields: a.fields, purposeCode: slugWord(a.purpose_code), purposeHash: purposeHash(a.purpose_salt, a.purpose),
    expiresAt: a.expires_at,
  };
  const digest = relayDigest('Grant', message, {
    chainId: v.input.chain_id, grantsContract: v.input.grants, signer: address('k1'), nonce: a.nonce, deadline: a.deadline,
  });
  assert.equal(recoverAddress(digest, a.signature), address('k1'));

  const base = grantInput(v);
  const refused = [
    { record: null, recordType: null }, // neither scope
    { record: '3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c', recordType: 'household' }, // both
    { record: 'not-a-uuid', recordType: null },
    { recordType: 'Household' },
    { owner: 'Not A Slug' },
    { grantee: '' },
    { purposeCode: 'x'.repeat(33) },
    { fields: [] },
    { fields: 'members' },
    { fields: [''] },
    { fields: ['x'.repeat(65)] },
    { fields: ['\ud800'] },
    { fields: Array.from({ length: 65 }, (_, i) => `f${i}`) },
    { purpose: '' },
    { purpose: 'x'.repeat(201) },
    { purpose: 'lone \udc00 surrogate' },
    { expiresAt: 0 },
    { expiresAt: 1.5 },
    { expiresAt: 2 ** 48 },
    { nonce: -1 },
    { nonce: 2 ** 53 },
    { nonce: '0' },
    { deadline: 0 },
    { salt: new Uint8Array(16) },
    { salt: 'zz' },
    { chainId: 0 },
    { grantsContract: '0x1234' },
    { privateKey: new Uint8Array(32) },
  ];
  for (const change of refused) {
    assert.throws(() => grantBody({ ...base, ...change }), SignerError, JSON.stringify(change));
  }
  // 200 characters are allowed even where they are 400 UTF-16 units
  assert.equal(grantBody({ ...base, purpose: '🏠'.repeat(200) }).purpose, '🏠'.repeat(200));
});

// ---- revocations

for (const v of V.revokes) {
  test(`revokeBody: ${v.label}`, () => {
    assert.equal(v.method, 'DELETE');
    assert.equal(v.path, `/v1/grants/${v.input.grant_id}`);
    const body = revokeBody(revokeInput(v));
    assert.deepEqual(body, v.body);
    assert.deepEqual(Object.keys(body), ['nonce', 'deadline', 'signature']);
    const { input } = v;
    const digest = relayDigest('Revoke', { grantId: input.grant_id }, {
      chainId: input.chain_id, grantsContract: input.grants, signer: address(input.key), nonce: input.nonce, deadline: input.deadline,
    });
    assert.equal(toHex(digest), v.digest);
    assert.equal(recoverAddress(digest, signatureOf(body)), address(input.key));
    assert.deepEqual(revokeBody({ ...revokeInput(v), grantId: BigInt(input.grant_id) }), v.body);
  });
}

test('revokeBody: refusals', () => {
  const base = revokeInput(V.revokes[0]);
  for (const change of [{ grantId: -1 }, { grantId: 2 ** 53 }, { grantId: '1' }, { grantId: undefined }, { nonce: undefined }]) {
    assert.throws(() => revokeBody({ ...base, ...change }), SignerError, JSON.stringify(change));
  }
});

// ---- reviews

for (const v of V.reviews) {
  test(`reviewBody: ${v.label}`, () => {
    const { input } = v;
    assert.equal(v.method, 'POST');
    assert.equal(v.path, `/v1/grants/${input.grant_id}:${input.approved ? 'approve' : 'refuse'}`);
    const body = reviewBody(reviewInput(v));
    assert.deepEqual(body, v.body);
    assert.deepEqual(Object.keys(body), ['reason', 'reason_salt', 'nonce', 'deadline', 'signature']);
    assert.equal(JSON.stringify(body), JSON.stringify(v.body));
    const hashed = body.reason === null ? new Uint8Array(32) : reasonHash(body.reason_salt, body.reason);
    assert.equal(toHex(hashed), v.reason_hash);
    const digest = relayDigest('ReviewGrant', { grantId: input.grant_id, approved: input.approved, reasonHash: hashed }, {
      chainId: input.chain_id, grantsContract: input.grants, signer: address(input.key), nonce: input.nonce, deadline: input.deadline,
    });
    assert.equal(toHex(digest), v.digest);
    assert.equal(recoverAddress(digest, signatureOf(body)), address(input.key));
    if (input.salt === null) {
      // no reason after trimming: a salt given is not used
      assert.deepEqual(reviewBody({ ...reviewInput(v), salt: new Uint8Array(32).fill(7) }), v.body);
    }
  });
}

test('reviewBody: defaults and refusals', () => {
  const v = V.reviews.find((r) => r.input.reason && r.input.approved);
  const { salt, ...rest } = reviewInput(v);
  const a = reviewBody(rest);
  assert.match(a.reason_salt, /^0x[0-9a-f]{64}$/);
  assert.notEqual(a.reason_salt, reviewBody(rest).reason_salt);
  assert.equal(a.reason, v.body.reason);
  const base = reviewInput(v);
  const refused = [
    { approved: false, reason: null }, // a refusal says why
    { approved: false, reason: ' \u3000\x1c ' },
    { approved: 'yes' },
    { approved: undefined },
    { reason: 'x'.repeat(201) },
    { reason: 42 },
    { reason: 'lone \ud800' },
    { salt: new Uint8Array(31) },
    { grantId: -1 },
  ];
  for (const change of refused) {
    assert.throws(() => reviewBody({ ...base, ...change }), SignerError, JSON.stringify(change));
  }
  // 200 characters after trimming are allowed
  assert.equal(reviewBody({ ...base, reason: `  ${'理'.repeat(200)}\n` }).reason, '理'.repeat(200));
});

test('purposeHash / reasonHash want a 32-byte salt, and differ by domain', () => {
  const salt = new Uint8Array(32).fill(1);
  assert.notDeepEqual(purposeHash(salt, 'x'), reasonHash(salt, 'x'));
  assert.throws(() => purposeHash(undefined, 'x'), SignerError);
  assert.throws(() => reasonHash(new Uint8Array(16), 'x'), SignerError);
});
