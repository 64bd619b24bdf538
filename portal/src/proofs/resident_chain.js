// The chain reads the resident's completeness check makes, from a node of the resident's choice
// (never from the gateway): built on verifier-js's JSON-RPC view (eth_call plumbing, errors).
//
//   chainId()                        -> number
//   logHeadCount(org, logIdHex)      -> number          RecordRegistry.logHeadCount(bytes32,bytes32)
//   logHeadAt(org, logIdHex, index)  -> {treeSize, anchoredAt, blockNumber, root}
//                                                       RecordRegistry.logHeadAt(bytes32,bytes32,uint256)
//   membershipOf(address)            -> {org: slug | null, roles}   Membership.membershipOf(address), now
//   getOrg(org)                      -> null | {kind, parent: slug | null, active, name}   Membership.getOrg(bytes32)
//   latestBlockTime()                -> number (seconds) the newest block's timestamp
//
// `org` is a slug (its bytes32 form is zero-padded ASCII), hashes are 0x hex. Any failure to get
// an answer throws ChainError: no verdict can be given then.

import { ChainError, JsonRpcChain, selector } from '../../../verifier-js/src/chain.js';
import { fromHex, fromUtf8, toBigInt, toHex, utf8 } from '../../../verifier-js/src/bytes.js';
import { toChecksumAddress } from '../../../verifier-js/src/address.js';

export { ChainError };

export const RESIDENT_ABI = {
  logHeadCount: 'logHeadCount(bytes32,bytes32)',
  logHeadCountOutputs: ['uint256'],
  logHeadAt: 'logHeadAt(bytes32,bytes32,uint256)',
  logHeadAtOutputs: ['uint64', 'uint48', 'uint48', 'bytes32'],
  membershipOf: 'membershipOf(address)',
  membershipOfOutputs: ['bytes32', 'uint8'],
  getOrg: 'getOrg(bytes32)',
  getOrgOutputs: ['uint8', 'bytes32', 'bool', 'string'],
};
export const ROLE = { ADMIN: 1, RECORDER: 2, AUDITOR: 4, VERIFIER: 8, ANCHORER: 16, SEALED_READER: 32 };
export const ORG_KIND = { SUBDISTRICT: 1, COMMITTEE: 2, DEPARTMENT: 3, OPERATOR: 4 };

const SLUG = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/** An organisation id as the chain holds it (ledger/types.py slug_to_bytes32); throws on a bad slug. */
export function slugWordHex(slug) {
  if (typeof slug !== 'string' || !SLUG.test(slug)) throw new TypeError(`invalid organisation id ${JSON.stringify(String(slug)).slice(0, 40)}`);
  const out = new Uint8Array(32);
  out.set(utf8(slug));
  return toHex(out).slice(2);
}

/** bytes32_to_slug: the zero-padded ASCII read back (null for all zeros). */
function wordSlug(w) {
  let end = w.length;
  while (end > 0 && w[end - 1] === 0) end--;
  if (end === 0) return null;
  if (w.slice(0, end).some((b) => b > 0x7f)) throw new ChainError('the node answered an organisation id that is not ASCII');
  return String.fromCharCode(...w.slice(0, end));
}

const word = (d, i) => d.slice(i * 32, (i + 1) * 32);

function uintWord(w, bits, what) {
  const v = toBigInt(w);
  if (v >= 1n << BigInt(bits)) throw new ChainError(`the node answered a uint${bits} out of range (${what})`);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ChainError(`the node answered a number too large (${what})`);
  return Number(v);
}

const hex32 = (h) => toHex(fromHex(h, { length: 32 })).slice(2);
const uint256 = (n) => BigInt(n).toString(16).padStart(64, '0');

export class ResidentChain extends JsonRpcChain {
  /**
   * @param {string} url - the node's HTTP JSON-RPC endpoint (the resident's choice)
   * @param {{registry: string, membership: string}} addressBook - the deployment's address book (or its two addresses)
   * @param {{timeoutMs?: number, fetch?: Function}} [opts] - in a browser pass {fetch: (...a) => fetch(...a)} or rely on the bound default
   */
  constructor(url, addressBook, opts = {}) {
    super(url, { registry: addressBook.registry, membership: addressBook.membership }, opts);
  }

  async #view(to, fn, data, words, what) {
    const out = await this.call(to, selector(fn) + data);
    if (out.revert !== undefined) throw new ChainError(`${what} reverted: ${out.message.slice(0, 200)}`);
    const d = out.result;
    if (d.length === 0) throw new ChainError(`the address holds no contract (${what} answered nothing)`);
    if (words !== null && d.length !== words * 32) throw new ChainError(`${what} answered a malformed tuple`);
    return d;
  }

  async logHeadCount(org, logId) {
    const d = await this.#view(this.registry, RESIDENT_ABI.logHeadCount, slugWordHex(org) + hex32(logId), 1, 'logHeadCount');
    return uintWord(word(d, 0), 256, 'logHeadCount');
  }

  async logHeadAt(org, logId, index) {
    const d = await this.#view(this.registry, RESIDENT_ABI.logHeadAt, slugWordHex(org) + hex32(logId) + uint256(index), 4, 'logHeadAt');
    return {
      treeSize: uintWord(word(d, 0), 64, 'treeSize'),
      anchoredAt: uintWord(word(d, 1), 48, 'anchoredAt'),
      blockNumber: uintWord(word(d, 2), 48, 'blockNumber'),
      root: toHex(word(d, 3)),
    };
  }

  async membershipOf(address) {
    const account = toHex(fromHex(toChecksumAddress(address), { length: 20 })).slice(2).padStart(64, '0');
    const d = await this.#view(this.membership, RESIDENT_ABI.membershipOf, account, 2, 'membershipOf');
    return { org: wordSlug(word(d, 0)), roles: uintWord(word(d, 1), 8, 'roles') };
  }

  async getOrg(org) {
    // one dynamic tuple: its offset, then (kind, parent, active, offset of name), then the name
    const d = await this.#view(this.membership, RESIDENT_ABI.getOrg, slugWordHex(org), null, 'getOrg');
    const bad = () => new ChainError('getOrg answered a malformed tuple');
    if (d.length < 6 * 32 || d.length % 32 !== 0) throw bad();
    const at = uintWord(word(d, 0), 64, 'offset');
    if (at % 32 !== 0 || at + 4 * 32 > d.length) throw bad();
    const t = d.slice(at);
    const kind = uintWord(word(t, 0), 8, 'kind');
    const active = uintWord(word(t, 2), 1, 'active') === 1;
    const nameAt = uintWord(word(t, 3), 64, 'name offset');
    if (nameAt % 32 !== 0 || nameAt + 32 > t.length) throw bad();
    const length = uintWord(word(t.slice(nameAt), 0), 64, 'name length');
    if (nameAt + 32 + length > t.length) throw bad();
    if (kind === 0) return null;
    let name;
    try {
      name = fromUtf8(t.slice(nameAt + 32, nameAt + 32 + length));
    } catch {
      throw new ChainError('getOrg answered a name that is not UTF-8');
    }
    return { kind, parent: wordSlug(word(t, 1)), active, name };
  }

  async latestBlockTime() {
    const body = await this.rpc('eth_getBlockByNumber', ['latest', false]);
    if (body.error) throw new ChainError(`eth_getBlockByNumber failed: ${String(body.error.message ?? 'error').slice(0, 200)}`);
    const ts = body.result?.timestamp;
    if (typeof ts !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(ts) || BigInt(ts) > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ChainError('eth_getBlockByNumber answered a malformed timestamp');
    }
    return Number(BigInt(ts));
  }
}
