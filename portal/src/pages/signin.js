// Sign in (and unlock again after a reload): the keystore is read and decrypted in the page.
import { h, field } from '../dom.js';
import { t } from '../i18n.js';
import { unlock } from '../api.js';

/** A keystore + password form; `done(address)` runs once the key is unlocked. */
export function keyForm({ title, intro, submit }, done) {
  const file = h('input', { type: 'file', accept: '.json,application/json', required: true, name: 'keystore' });
  const password = h('input', { type: 'password', autocomplete: 'current-password', required: true, name: 'password' });
  const message = h('p.message', { role: 'alert' });
  const button = h('button.primary', { type: 'submit', text: submit });
  const form = h('form.card.narrow', {
    onsubmit: async (event) => {
      event.preventDefault();
      message.textContent = '';
      message.className = 'message';
      if (!file.files?.length) { message.textContent = t('signin.no_file'); return; }
      button.disabled = true;
      try {
        message.textContent = t('signin.decrypting');
        const text = await file.files[0].text();
        const address = await unlock(text, password.value);
        password.value = '';
        await done(address, message);
      } catch (e) {
        message.className = 'message error';
        message.textContent = e?.code === 'wrong-password' ? t('signin.wrong_password')
          : e?.code === 'not-a-keystore' ? t('signin.not_keystore') : t('app.error', { detail: e.message });
      } finally {
        button.disabled = false;
      }
    },
  },
  h('h2', { text: title }),
  h('p', { text: intro }),
  field(t('signin.keystore'), file),
  field(t('signin.password'), password),
  button,
  message);
  return form;
}
