// What several pages share: a notice line, the unlock step before an act, labels of states.
import { h, fill } from '../dom.js';
import { t } from '../i18n.js';
import { hasKey, lock, read, who } from '../api.js';
import { readAddressBook } from '../../../verifier-js/src/index.js';
import { keyForm } from './signin.js';

const BOOK_STORE = 'gridledger.addressBook';
const RPC_STORE = 'gridledger.rpc';

/** A value this browser remembers (null when storage is off or nothing is kept). */
function recall(name) { try { return localStorage.getItem(name); } catch { return null; } }
function remember(name, value) { try { localStorage.setItem(name, value); } catch { /* storage may be off */ } }

/** The chain node's URL: one input per page, prefilled with the node this browser used last. */
export function rpcInput(id) {
  return h('input', { type: 'url', id, value: recall(RPC_STORE) ?? '', placeholder: 'http://127.0.0.1:8545', required: true });
}

/** Keep `url` as the node to prefill next time. */
export function rememberRpc(url) { remember(RPC_STORE, url); }

/**
 * Which address book a check trusts — the root of trust for every chain read: the one this browser
 * loaded from the user's own file (remembered), or, only when the user ticks it, the gateway's.
 * Returns {element, book()}; book() throws when neither is chosen.
 */
export function addressBookChooser(idPrefix) {
  let own = recall(BOOK_STORE);
  const useGateway = h('input', { type: 'checkbox', id: `${idPrefix}-book-gateway`, checked: own === null });
  const file = h('input', { type: 'file', id: `${idPrefix}-book-file`, accept: '.json,application/json' });
  const state = h('p.hint', { 'aria-live': 'polite', text: own ? t('verify.book_own') : '' });
  file.addEventListener('change', async () => {
    if (!file.files?.length) return;
    const text = await file.files[0].text();
    readAddressBook(text); // refuse a file that is not an address book before remembering it
    remember(BOOK_STORE, text);
    own = text;
    useGateway.checked = false;
    state.textContent = t('verify.book_own');
  });
  const element = h('fieldset', {}, h('legend', { text: t('verify.book') }),
    h('div.check', {}, useGateway, h('label', { for: useGateway.id, text: t('verify.book_gateway') })),
    h('div.field', {}, h('label', { for: file.id, text: t('verify.book_file') }), file), state);
  async function book() {
    if (useGateway.checked) return readAddressBook(JSON.stringify(await read('/v1/address-book')));
    if (own === null) throw new Error(t('verify.book_needed'));
    return readAddressBook(own);
  }
  return { element, book };
}

/** A status line that screen readers announce. */
export function notice() {
  return h('p.message', { role: 'status', 'aria-live': 'polite' });
}

export function say(el, text, kind = 'info') {
  el.className = `message ${kind}`;
  el.textContent = text;
}

/** Make sure the key is in memory before an act: if not (the page was reloaded), ask for it in `where`. */
export function withKey(where) {
  if (hasKey()) return Promise.resolve();
  return new Promise((resolve) => {
    const box = h('div.unlock');
    fill(box, keyForm({ title: t('signin.unlock_title'), intro: t('signin.unlock_intro'), submit: t('signin.unlock') },
      async (unlocked) => {
        const signedIn = who()?.address;
        if (signedIn && unlocked.toLowerCase() !== signedIn.toLowerCase()) {
          lock(); // another key than the one signed in: acts would be signed by someone else
          throw new Error(t('signin.other_key', { address: signedIn }));
        }
        box.remove();
        resolve();
      }));
    where.prepend(box);
    box.querySelector('input')?.focus();
  });
}

/** A status word in the current language, with a class for its colour. */
export function statusBadge(prefix, value) {
  const key = `${prefix}.${value}`;
  let text;
  try { text = t(key); } catch { text = value; }
  const safe = String(value).toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return h(`span.badge.${prefix}-${safe}`, { text });
}

export function section(title, ...children) {
  return h('section.card', {}, h('h2', { text: title }), ...children);
}
