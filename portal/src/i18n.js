// The portal's language and its times: Simplified Chinese unless the user chose English
// (remembered in this browser), every time shown in the user's own time zone.
import { LANGUAGES, MESSAGES } from './messages.js';

const STORE = 'gridledger.lang';
let current = 'zh-CN';

/** The language chosen before in this browser, else Simplified Chinese. */
export function initLanguage() {
  let saved = null;
  try { saved = globalThis.localStorage?.getItem(STORE); } catch { /* storage may be off */ }
  current = saved && saved in LANGUAGES ? saved : 'zh-CN';
  document.documentElement.lang = current;
  return current;
}

export function language() { return current; }

export function setLanguage(lang) {
  if (!(lang in LANGUAGES)) throw new Error(`unknown language ${lang}`);
  current = lang;
  document.documentElement.lang = lang;
  try { globalThis.localStorage?.setItem(STORE, lang); } catch { /* storage may be off */ }
}

/** The message `key` in the current language, `{name}` replaced by `params.name`. */
export function t(key, params = {}) {
  const text = MESSAGES[current][key] ?? MESSAGES['zh-CN'][key];
  if (text === undefined) throw new Error(`no message ${key}`);
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

function asDate(moment) {
  if (moment instanceof Date) return moment;
  return typeof moment === 'number' ? new Date(moment * 1000) : new Date(moment);
}

/** A moment (a Date, Unix seconds, or an RFC 3339 text) as a local date and time, never raw seconds. */
export function formatTime(moment) {
  if (moment === null || moment === undefined || moment === '') return '—';
  const date = asDate(moment);
  if (Number.isNaN(date.getTime())) return String(moment);
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** A calendar date only, local. */
export function formatDate(moment) {
  const date = asDate(moment);
  if (Number.isNaN(date.getTime())) return String(moment);
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium' }).format(date);
}
