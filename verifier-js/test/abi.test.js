// The few contract calls the verifier makes, checked against the committed artifacts' ABIs
// (ledger/chain/artifacts/*.json): selectors, output tuples, the event topic, the revert.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { ABI, BATCH_ANCHORED_TOPIC, RECORDER_ROLE, eventTopic } from '../src/chain.js';
import { readJson, repoRoot } from '../testlib/paths.js';

const artifacts = path.join(repoRoot, 'ledger', 'chain', 'artifacts');
const abiOf = (name) => readJson(path.join(artifacts, `${name}.json`)).abi;
const sig = (item) => `${item.name}(${item.inputs.map((i) => i.type).join(',')})`;
const flat = (outputs) => outputs.flatMap((o) => (o.type === 'tuple' ? o.components.map((c) => c.type) : [o.type]));

test('RecordRegistry.getBatch, RegistryUnknownBatch and BatchAnchored match the artifact', () => {
  const abi = abiOf('RecordRegistry');
  const getBatch = abi.find((x) => x.type === 'function' && x.name === 'getBatch');
  assert.equal(sig(getBatch), ABI.getBatch);
  assert.deepEqual(flat(getBatch.outputs), ABI.getBatchOutputs);
  assert.deepEqual(getBatch.outputs[0].components.map((c) => c.name), ['root', 'org', 'anchorer', 'size', 'anchoredAt', 'blockNumber']);
  const unknown = abi.find((x) => x.type === 'error' && x.name === 'RegistryUnknownBatch');
  assert.equal(sig(unknown), ABI.RegistryUnknownBatch);
  const event = abi.find((x) => x.type === 'event' && x.name === 'BatchAnchored');
  assert.equal(sig(event), ABI.BatchAnchored);
  assert.deepEqual(event.inputs.map((i) => i.indexed), [true, true, true, false, false]);
  assert.equal(eventTopic(sig(event)), BATCH_ANCHORED_TOPIC);
});

test('Membership.membershipAt matches the artifact; the recorder role is bit 2', () => {
  const abi = abiOf('Membership');
  const m = abi.find((x) => x.type === 'function' && x.name === 'membershipAt');
  assert.equal(sig(m), ABI.membershipAt);
  assert.deepEqual(flat(m.outputs), ABI.membershipAtOutputs);
  assert.equal(m.stateMutability, 'view');
  assert.equal(RECORDER_ROLE, 2);
});

test('RecordTypes.versionInfo and TypesUnknownVersion match the artifact (check type-version, §V-14)', () => {
  const abi = abiOf('RecordTypes');
  const info = abi.find((x) => x.type === 'function' && x.name === 'versionInfo');
  assert.equal(sig(info), ABI.versionInfo);
  assert.deepEqual(flat(info.outputs), ABI.versionInfoOutputs);
  assert.equal(info.outputs[0].components[0].name, 'name');
  assert.equal(info.stateMutability, 'view');
  const unknown = abi.find((x) => x.type === 'error' && x.name === 'TypesUnknownVersion');
  assert.equal(sig(unknown), ABI.TypesUnknownVersion);
});
