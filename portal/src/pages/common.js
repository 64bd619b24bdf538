// What several pages share: a notice line, the unlock step before an act, labels of states.
import { h, fill } from '../dom.js';
import { t } from '../i18n.js';
import { hasKey } from '../api.js';
import { keyForm } from './signin.js';

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
      async () => { box.remove(); resolve(); }));
    where.prepend(box);
    box.querySelector('input')?.focus();
  });
}

/** A status word in the current language, with a class for its colour. */
export function statusBadge(prefix, value) {
  const key = `${prefix}.${value}`;
  let text;
  try { text = t(key); } catch { text = value; }
  return h(`span.badge.${prefix}-${value}`, { text });
}

export function section(title, ...children) {
  return h('section.card', {}, h('h2', { text: title }), ...children);
}
