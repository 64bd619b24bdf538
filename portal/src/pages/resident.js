// A resident's pages: the records about them (their own data, whole) and every entry of the
// access log about them — who read, when, which fields, for what — with sealed reads shown as
// sealed until they open — and the check, in the browser, that the gateway left none out:
// the subject map anchored on-chain says how many entries about them there are (the same
// check as `gridledger me access --verify`, portal/src/proofs/completeness.js).
import { h, fill, table, short, field } from '../dom.js';
import { t, formatTime, formatDate } from '../i18n.js';
import { read } from '../api.js';
import { checkMyAccess } from '../proofs/completeness.js';
import { addressBookChooser, notice, rememberRpc, rpcInput, say, section, statusBadge } from './common.js';


async function myRecords(el) {
  const page = await read('/v1/me/records');
  const cards = page.records.map((r) => h('article.card', { 'data-record': r.id },
    h('h3', {}, `${r.type} · `, short(r.id)),
    h('p', {}, statusBadge('status', r.erased_at ? 'erased' : r.status), ` ${formatTime(r.committed_at ?? r.anchored_at)}`),
    r.payload ? h('dl.facts', {}, Object.entries(r.payload).map(([k, v]) => [h('dt', { text: k }), h('dd', { text: Array.isArray(v) ? v.join(', ') : String(v) })])) : null));
  fill(el, section(t('me.records.title'), cards.length ? cards : h('p', { text: t('common.none') })));
}

async function myAccess(el) {
  const page = await read('/v1/me/access');
  const rows = page.entries.filter((e) => !e.redacted).map((e) => {
    const doc = e.opened ?? e.entry;
    if (doc.action === 'sealed' && !e.opened) {
      return h('tr.sealed', { 'data-idx': e.idx }, [h('td', { text: formatTime(doc.at) }), h('td', { text: '—' }), h('td', { text: t('action.sealed') }),
        h('td', { text: t('me.access.sealed', { date: formatDate(e.opens_at) }) }), h('td', { text: '—' }), h('td', { text: '—' })]);
    }
    let action;
    try { action = t(`action.${doc.action}`); } catch { action = doc.action; }
    return h(doc.outcome === 'refused' ? 'tr.refused' : 'tr', { 'data-idx': e.idx }, [
      h('td', { text: formatTime(doc.at) }),
      h('td', { text: `${doc.accessor_org}${e.accessor_roles?.length ? ` (${e.accessor_roles.join(', ')})` : ''}` }),
      h('td', { text: action }),
      h('td', {}, doc.outcome ? statusBadge('outcome', doc.outcome) : '—'),
      h('td', { text: (doc.fields ?? []).join(', ') || '—' }),
      h('td', { text: doc.purpose ?? '—' }),
    ]);
  });
  const rpc = rpcInput('me-rpc');
  const message = notice();
  const chooser = addressBookChooser('me');
  const check = h('button.primary', { type: 'button', text: t('me.access.verify'), onclick: async () => {
    check.disabled = true;
    try {
      if (!rpc.value) { say(message, t('form.err.required', { field: t('verify.rpc') }), 'error'); rpc.focus(); return; }
      rememberRpc(rpc.value);
      const addressBook = await chooser.book();
      const verdict = await checkMyAccess({
        fetchListing: (mapSize) => read(`/v1/me/access${mapSize === null || mapSize === undefined ? '' : `?map_size=${mapSize}`}`),
        chain: rpc.value, addressBook,
      });
      el.dataset.complete = String(verdict.complete);
      if (verdict.complete) say(message, t('me.access.complete', { n: verdict.covered }), 'ok');
      else say(message, t('me.access.incomplete', { detail: verdict.problems.join('; ') }), 'error');
    } catch (e) {
      el.dataset.complete = 'error';
      say(message, t('me.access.incomplete', { detail: e.message }), 'error');
    } finally { check.disabled = false; }
  } });
  fill(el, section(t('me.access.title'),
    rows.length ? table(t('me.access.title'), [t('common.time'), t('common.org'), t('timeline.action'), t('common.outcome'), t('common.fields'), t('common.purpose')], rows)
      : h('p', { text: t('common.none') }),
    page.head ? h('p.hint', {}, `${t('log.size')}: ${page.head.size} · ${t('log.root')}: `, short(page.head.root)) : null,
    field(t('verify.rpc'), rpc), chooser.element, check, message));
}

export function residentPages() {
  return [
    { id: 'my-records', label: 'tab.my_records', render: myRecords },
    { id: 'my-access', label: 'tab.my_access', render: myAccess },
  ];
}
