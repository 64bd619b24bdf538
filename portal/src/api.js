// The portal's only way to the gateway: its public HTTP API, as the CLI and the SDK use it.
// Reads carry the session cookie; every request that acts is signed here, in the browser,
// with the member's own key (RFC 9421 profile gridledger-v1, as ledger/client signs it).
import { addressOf, decryptKeystore, signIn, signRequest } from './signer/index.js';

const state = { key: null, address: null, who: null };

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** Raised when an act needs the key and the page does not hold it (reloaded since sign-in). */
export class NeedKey extends Error {}

async function answer(response) {
  const type = response.headers.get('content-type') || '';
  const body = type.includes('json') ? await response.json() : null;
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/** GET `path` (already percent-encoded) with the session cookie. */
export async function read(path) {
  return answer(await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } }));
}

/** A signed request that acts (POST, DELETE …) with `body` as JSON. */
export async function act(method, path, body = undefined) {
  if (state.key === null) throw new NeedKey('the key is not unlocked in this page');
  const bytes = body === undefined ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(body));
  const headers = signRequest({
    privateKey: state.key, address: state.address, method, target: path, body: bytes, authority: location.host,
  });
  if (body !== undefined) headers['content-type'] = 'application/json';
  headers.accept = 'application/json';
  return answer(await fetch(path, { method, headers, body: body === undefined ? undefined : bytes, credentials: 'same-origin' }));
}

/** Decrypt a keystore's text; the key stays in this page's memory only. */
export async function unlock(keystoreText, password) {
  const key = await decryptKeystore(keystoreText, password);
  state.key = key;
  state.address = addressOf(key);
  return state.address;
}

export function hasKey() { return state.key !== null; }
export function key() { return state.key; }
export function address() { return state.address ?? state.who?.address ?? null; }

/** Sign in with the unlocked key (EIP-4361): the gateway answers the session cookie and who this is. */
export async function startSession() {
  const ch = await read('/v1/session/challenge');
  const signed = signIn(state.key, {
    domain: ch.domain, address: state.address, statement: ch.statement, uri: ch.uri, chainId: ch.chain_id,
    nonce: ch.nonce, issuedAt: ch.issued_at, expirationTime: ch.expiration_time,
  });
  state.who = await answer(await fetch('/v1/session', {
    method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(signed),
  }));
  return state.who;
}

/** Who the session cookie is, or null when there is none (or it ended). */
export async function currentSession() {
  try {
    state.who = await read('/v1/session');
    return state.who;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return null;
    throw e;
  }
}

/** Forget the unlocked key (the session, if any, still reads). */
export function lock() {
  state.key = null;
  state.address = null;
}

/** Sign out: the key is forgotten whatever the gateway answers (an expired session answers 401). */
export async function endSession() {
  try {
    if (state.who) {
      await answer(await fetch('/v1/session', { method: 'DELETE', credentials: 'same-origin', headers: { 'x-csrf-token': state.who.csrf } }));
    }
  } finally {
    lock();
    state.who = null;
  }
}

export function who() { return state.who; }
