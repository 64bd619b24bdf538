// A committee admin's (and a privacy reviewer's) pages: grants given, proposals under
// review, residents' requests.
import { h, fill, table, short } from '../dom.js';
import { t, formatTime } from '../i18n.js';
import { act, read } from '../api.js';
import { notice, say, section, statusBadge, withKey } from './common.js';

function grantRows(grants) {
  return grants.map((g) => [String(g.id), g.grantee, g.type ?? short(g.record), (g.fields ?? []).join(', '),
    g.purpose_code ? `${g.purpose_code}${g.purpose ? ` · ${g.purpose}` : ''}` : (g.purpose ?? '—'), formatTime(g.expires_at), statusBadge('state', g.state)]);
}

async function grantsPage(el) {
  const given = await read('/v1/grants');
  fill(el, section(t('grants.title'), given.length
    ? table(t('grants.title'), ['#', t('grants.grantee'), t('grants.record_type'), t('common.fields'), t('common.purpose'), t('common.expires'), t('grants.state')], grantRows(given))
    : h('p', { text: t('common.none') })));
}

async function reviewsPage(el) {
  const proposals = await read('/v1/grants?state=proposed');
  fill(el, section(t('reviews.title'), proposals.length
    ? table(t('reviews.title'), ['#', t('grants.grantee'), t('grants.record_type'), t('common.fields'), t('common.purpose'), t('common.expires'), t('grants.state')], grantRows(proposals))
    : h('p', { text: t('common.none') })));
}

async function requestsPage(el) {
  const items = await read('/v1/requests');
  const message = notice();
  const rows = items.map((r) => {
    const reason = h('input', { type: 'text', 'aria-label': t('requests.reason') });
    const decide = (accept) => async () => {
      await withKey(el);
      try {
        await act('POST', `/v1/requests/${encodeURIComponent(r.id)}:${accept ? 'accept' : 'refuse'}`, accept ? {} : { reason: reason.value });
        say(message, t('reviews.done', { id: r.id }), 'ok');
        await requestsPage(el);
      } catch (e) { say(message, e.message, 'error'); }
    };
    const open = r.status === 'open';
    return [short(r.id), r.kind, short(r.record_id), formatTime(r.filed_at ?? r.created_at), r.status,
      open ? h('span.actions', {}, h('button', { type: 'button', text: t('requests.accept'), onclick: decide(true) }), reason,
        h('button', { type: 'button', text: t('requests.refuse'), onclick: decide(false) })) : (r.reason ?? '—')];
  });
  fill(el, section(t('requests.title'), rows.length
    ? table(t('requests.title'), [t('common.id'), t('requests.kind'), t('common.record'), t('common.time'), t('common.status'), '']
      , rows) : h('p', { text: t('common.none') }), message));
}

export function adminPages(who, { reviewsOnly = false } = {}) {
  if (reviewsOnly) return [{ id: 'reviews', label: 'tab.reviews', render: reviewsPage }];
  return [
    { id: 'grants', label: 'tab.grants', render: grantsPage },
    { id: 'requests', label: 'tab.requests', render: requestsPage },
  ];
}
