// The chain behind an interface (spec §V, "Chain reads"). A chain view answers, at its latest
// block, asynchronously:
//
//   chainId()                        -> number
//   getBatch(batchIdHex)             -> null (RegistryUnknownBatch) |
//                                       {root, org, anchorer, size, anchoredAt, blockNumber}
//   getTransactionReceipt(txHashHex) -> null | {status, blockNumber, logs: [{address, topics, data}]}
//   membershipAt(address, block)     -> {orgId, roles}
//   typeVersion(versionHashHex)      -> null (not registered) | {name}   (optional: a view that
//                                       cannot read RecordTypes has no typeVersion, §V-14)
//
// Hashes and bytes32 words are lower-case 0x hex; numbers are JavaScript numbers (safe
// integers). Two views: StaticChain (a vector file's "chain") and JsonRpcChain (a node).
// Any failure to get an answer throws ChainError: no verdict can be given then.

import { keccak_256 } from '@noble/hashes/sha3.js';
import { fromHex, toHex, toBigInt, utf8 } from './bytes.js';
import { toChecksumAddress } from './address.js';
import { slugWord, wordToSlug } from './eip712.js';

export class ChainError extends Error {}

/** The 4-byte selector of a function or error signature. */
export function selector(signature) {
  return toHex(keccak_256(utf8(signature)).slice(0, 4));
}

export function eventTopic(signature) {
  return toHex(keccak_256(utf8(signature)));
}

// The few ABI entries this verifier uses; test/abi.test.js checks them against the committed
// contract artifacts (ledger/chain/artifacts/*.json).
export const ABI = {
  getBatch: 'getBatch(bytes32)',
  getBatchOutputs: ['bytes32', 'bytes32', 'address', 'uint32', 'uint48', 'uint48'],
  membershipAt: 'membershipAt(address,uint256)',
  membershipAtOutputs: ['bytes32', 'uint8'],
  RegistryUnknownBatch: 'RegistryUnknownBatch(bytes32)',
  versionInfo: 'versionInfo(bytes32)',
  versionInfoOutputs: ['bytes32', 'uint64', 'uint64', 'address', 'string[]'],
  TypesUnknownVersion: 'TypesUnknownVersion(bytes32)',
  BatchAnchored: 'BatchAnchored(bytes32,bytes32,bytes32,uint32,address)',
};
export const BATCH_ANCHORED_TOPIC = eventTopic(ABI.BatchAnchored);
export const RECORDER_ROLE = 2;

const ZERO32 = toHex(new Uint8Array(32));

function lowerHex32(text) {
  return toHex(fromHex(text, { length: 32 }));
}

// ---------------------------------------------------------------- the static chain of a vector file

export class StaticChain {
  /** @param {object} chain - the `chain` member of a gridledger-vectors/1 file (§T-1) */
  constructor(chain) {
    this.id = chain.chain_id;
    this.batches = new Map();
    for (const [id, b] of Object.entries(chain.batches ?? {})) {
      this.batches.set(lowerHex32(id), {
        root: lowerHex32(b.root),
        org: toHex(slugWord(b.org)),
        anchorer: toChecksumAddress(b.anchorer),
        size: b.size,
        anchoredAt: b.anchored_at,
        blockNumber: b.block_number,
      });
    }
    this.transactions = new Map();
    for (const [hash, t] of Object.entries(chain.transactions ?? {})) {
      this.transactions.set(lowerHex32(hash), {
        status: t.status,
        blockNumber: t.block_number,
        logs: (t.logs ?? []).map((l) => ({ address: l.address, topics: [...l.topics], data: l.data })),
      });
    }
    this.memberships = new Map();
    for (const [account, spans] of Object.entries(chain.memberships ?? {})) {
      this.memberships.set(toChecksumAddress(account), [...spans].sort((a, b) => a.from_block - b.from_block));
    }
    this.typeVersions = new Map();
    for (const [hash, v] of Object.entries(chain.type_versions ?? {})) {
      this.typeVersions.set(lowerHex32(hash), { name: String(v.name) });
    }
  }

  async chainId() {
    return this.id;
  }

  async getBatch(batchId) {
    return this.batches.get(lowerHex32(batchId)) ?? null;
  }

  async getTransactionReceipt(txHash) {
    return this.transactions.get(lowerHex32(txHash)) ?? null;
  }

  async typeVersion(versionHash) {
    return this.typeVersions.get(lowerHex32(versionHash)) ?? null;
  }

  async membershipAt(account, block) {
    const spans = this.memberships.get(toChecksumAddress(account)) ?? [];
    let found = null;
    for (const s of spans) if (s.from_block <= block) found = s;
    if (!found || found.org === null || found.org === undefined) return { orgId: ZERO32, roles: found?.roles ?? 0 };
    return { orgId: toHex(slugWord(found.org)), roles: found.roles };
  }
}

// ---------------------------------------------------------------- a JSON-RPC node

function word(data, i) {
  return data.slice(i * 32, (i + 1) * 32);
}

function uintWord(w, bits) {
  const v = toBigInt(w);
  if (v >= 1n << BigInt(bits)) throw new ChainError(`the node answered a uint${bits} out of range`);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ChainError('the node answered a number too large');
  return Number(v);
}

function quantity(text, what) {
  if (typeof text !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(text)) {
    throw new ChainError(`the node answered a malformed ${what}`);
  }
  const v = BigInt(text);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ChainError(`the node answered a ${what} too large`);
  return Number(v);
}

export class JsonRpcChain {
  /**
   * @param {string} url - the node's HTTP JSON-RPC endpoint
   * @param {{registry: string, membership: string, record_types?: string}} addresses - from the verifier's
   *   address book; without record_types (a book from before RecordTypes) the view has no typeVersion read
   * @param {{timeoutMs?: number, fetch?: Function}} [opts]
   */
  constructor(url, addresses, opts = {}) {
    this.url = url;
    this.registry = addresses.registry;
    this.membership = addresses.membership;
    if (addresses.record_types === undefined) this.typeVersion = undefined; // §V-14 cannot be asked
    else this.recordTypes = addresses.record_types;
    this.timeoutMs = opts.timeoutMs ?? 15000;
    // bound: a browser refuses fetch called as a method of another object ("Illegal invocation")
    this.fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.nextId = 1;
  }

  async rpc(method, params) {
    let response;
    try {
      response = await this.fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method, params }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const why = e?.name === 'TimeoutError' ? `no answer in ${this.timeoutMs / 1000} s` : (e?.cause?.code ?? e?.message ?? 'unreachable');
      throw new ChainError(`the chain node at ${this.url} does not answer (${why})`);
    }
    if (!response.ok) throw new ChainError(`the chain node answered HTTP ${response.status} to ${method}`);
    let body;
    try {
      body = await response.json();
    } catch {
      throw new ChainError(`the chain node answered ${method} with something that is not JSON`);
    }
    if (typeof body !== 'object' || body === null) throw new ChainError(`the chain node answered ${method} oddly`);
    return body;
  }

  async chainId() {
    const body = await this.rpc('eth_chainId', []);
    if (body.error) throw new ChainError(`eth_chainId failed: ${String(body.error.message ?? 'error').slice(0, 200)}`);
    return quantity(body.result, 'chain id');
  }

  async call(to, data) {
    const body = await this.rpc('eth_call', [{ to, data }, 'latest']);
    if (body.error) {
      const revert = typeof body.error.data === 'string' ? body.error.data : body.error.data?.data;
      return { revert: typeof revert === 'string' ? revert.toLowerCase() : null, message: String(body.error.message ?? '') };
    }
    if (typeof body.result !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(body.result)) {
      throw new ChainError('eth_call answered something that is not hex');
    }
    return { result: fromHex(body.result) };
  }

  async getBatch(batchId) {
    const out = await this.call(this.registry, selector(ABI.getBatch) + lowerHex32(batchId).slice(2));
    if (out.revert !== undefined) {
      if (out.revert && out.revert.startsWith(selector(ABI.RegistryUnknownBatch))) return null;
      throw new ChainError(`getBatch reverted unexpectedly: ${out.message.slice(0, 200)}`);
    }
    const d = out.result;
    if (d.length !== 6 * 32) {
      throw new ChainError(d.length === 0 ? 'the registry address holds no contract (getBatch answered nothing)' : 'getBatch answered a malformed tuple');
    }
    const anchorer = word(d, 2);
    if (anchorer.slice(0, 12).some((b) => b !== 0)) throw new ChainError('getBatch answered a malformed address');
    return {
      root: toHex(word(d, 0)),
      org: toHex(word(d, 1)),
      anchorer: toChecksumAddress(anchorer.slice(12)),
      size: uintWord(word(d, 3), 32),
      anchoredAt: uintWord(word(d, 4), 48),
      blockNumber: uintWord(word(d, 5), 48),
    };
  }

  async getTransactionReceipt(txHash) {
    const body = await this.rpc('eth_getTransactionReceipt', [lowerHex32(txHash)]);
    if (body.error) throw new ChainError(`eth_getTransactionReceipt failed: ${String(body.error.message ?? 'error').slice(0, 200)}`);
    const r = body.result;
    if (r === null || r === undefined) return null;
    if (typeof r !== 'object' || !Array.isArray(r.logs)) throw new ChainError('eth_getTransactionReceipt answered a malformed receipt');
    return {
      status: r.status === undefined ? null : quantity(r.status, 'status'),
      blockNumber: quantity(r.blockNumber, 'block number'),
      logs: r.logs.map((l) => ({
        address: String(l.address ?? ''),
        topics: Array.isArray(l.topics) ? l.topics.map((t) => String(t).toLowerCase()) : [],
        data: String(l.data ?? '0x'),
      })),
    };
  }

  async typeVersion(versionHash) {
    const out = await this.call(this.recordTypes, selector(ABI.versionInfo) + lowerHex32(versionHash).slice(2));
    if (out.revert !== undefined) {
      if (out.revert && out.revert.startsWith(selector(ABI.TypesUnknownVersion))) return null;
      throw new ChainError(`versionInfo reverted unexpectedly: ${out.message.slice(0, 200)}`);
    }
    // one dynamic tuple: its offset, then (name, index, registeredAt, registrant, offset of sensitiveFields, …)
    const d = out.result;
    if (d.length === 0) throw new ChainError('the record_types address holds no contract (versionInfo answered nothing)');
    if (d.length < 6 * 32) throw new ChainError('versionInfo answered a malformed tuple');
    const at = uintWord(word(d, 0), 64);
    if (at % 32 !== 0 || at + 32 > d.length) throw new ChainError('versionInfo answered a malformed tuple');
    const name = wordToSlug(d.slice(at, at + 32));
    if (name === null) throw new ChainError('versionInfo answered a type name that is not a slug');
    return { name };
  }

  async membershipAt(account, block) {
    const acct = fromHex(account, { length: 20 });
    const data = selector(ABI.membershipAt) + toHex(new Uint8Array(12)).slice(2) + toHex(acct).slice(2)
      + BigInt(block).toString(16).padStart(64, '0');
    const out = await this.call(this.membership, data);
    if (out.revert !== undefined) throw new ChainError(`membershipAt reverted: ${out.message.slice(0, 200)}`);
    const d = out.result;
    if (d.length !== 64) {
      throw new ChainError(d.length === 0 ? 'the membership address holds no contract (membershipAt answered nothing)' : 'membershipAt answered a malformed tuple');
    }
    return { orgId: toHex(word(d, 0)), roles: uintWord(word(d, 1), 8) };
  }
}
