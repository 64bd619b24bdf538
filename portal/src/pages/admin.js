// A committee admin's (and a privacy reviewer's) pages: grants given (give, revoke), proposals
// under review (approve, refuse with a reason), residents' requests. Each act carries the
// member's own EIP-712 signature, made here as the CLI makes it, and relayed by the gateway.
import { h, fill, table, short, field } from '../dom.js';
import { t, formatTime } from '../i18n.js';
import { act, key, read } from '../api.js';
import { grantBody, reviewBody, revokeBody } from '../signer/index.js';
import { notice, say, section, statusBadge, withKey } from './common.js';

/** What every relayed signature needs: the chain, the AccessGrants contract and the member's next nonce. */
async function relayContext() {
  const [info, me] = await Promise.all([read('/v1/info'), read('/v1/me')]);
  return { privateKey: key(), chainId: info.chain_id, grantsContract: info.grants, nonce: me.grants_nonce };
}

function grantRows(grants, extra = () => '') {
  return grants.map((g) => [String(g.id), g.owner, g.grantee, g.type ?? short(g.record), (g.fields ?? []).join(', '),
    g.purpose_code ? `${g.purpose_code}${g.purpose ? ` · ${g.purpose}` : ''}` : (g.purpose ?? '—'), formatTime(g.expires_at),
    statusBadge('state', g.state), extra(g)]);
}

const GRANT_HEADERS = () => ['#', t('common.org'), t('grants.grantee'), t('grants.record_type'), t('common.fields'), t('common.purpose'), t('common.expires'), t('grants.state'), ''];

async function giveForm(el, who, message, refresh) {
  const [orgs, types, purposes] = await Promise.all([read('/v1/orgs'), read('/v1/record-types'), read('/v1/purposes')]);
  const grantee = h('select', { id: 'grant-grantee' }, orgs.filter((o) => o.kind === 'department' && o.active)
    .map((o) => h('option', { value: o.id, text: `${o.name} (${o.id})` })));
  const usable = types.items.filter((x) => x.latest);
  const type = h('select', { id: 'grant-type' }, usable.map((x) => h('option', { value: x.name, text: `${x.title} (${x.name})` })));
  const fieldsBox = h('fieldset.fields', {}, h('legend', { text: t('common.fields') }));
  const showFields = () => {
    const chosen = usable.find((x) => x.name === type.value);
    fill(fieldsBox, h('legend', { text: t('common.fields') }), chosen.fields.map((f) => {
      const box = h('input', { type: 'checkbox', id: `gf-${f.name}`, value: f.name, name: 'field' });
      const label = `${f.name} · ${t(`sensitivity.${f.sensitivity ?? 'personal'}`)}`;
      return h(f.sensitivity === 'sensitive' ? 'div.check.sensitive' : 'div.check', {}, box, h('label', { for: box.id, text: label }));
    }));
  };
  type.addEventListener('change', showFields);
  showFields();
  const code = h('select', { id: 'grant-code' }, purposes.items.map((p) => h('option', { value: p.code, text: p.description ? `${p.code} · ${p.description}` : p.code })));
  const purpose = h('input', { type: 'text', id: 'grant-purpose', maxlength: 200, required: true });
  const days = h('input', { type: 'text', inputmode: 'numeric', id: 'grant-days', value: '30' });
  const submit = h('button.primary', { type: 'submit', text: t('grants.give_submit') });
  return h('form.card', {
    novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      const fields = [...fieldsBox.querySelectorAll('input:checked')].map((x) => x.value);
      const n = Number(days.value);
      if (!fields.length || !purpose.value.trim() || !Number.isInteger(n) || n < 1) {
        say(message, [!fields.length ? t('form.err.required', { field: t('common.fields') }) : null,
          !purpose.value.trim() ? t('form.err.required', { field: t('grants.purpose_text') }) : null,
          !Number.isInteger(n) || n < 1 ? t('form.err.integer', { field: t('grants.days') }) : null].filter(Boolean).join(' '), 'error');
        return;
      }
      await withKey(el);
      submit.disabled = true;
      try {
        const body = grantBody({ ...(await relayContext()), owner: who.org, grantee: grantee.value, fields,
          purpose: purpose.value, purposeCode: code.value, expiresAt: Math.floor(Date.now() / 1000) + n * 86400, recordType: type.value });
        const given = await act('POST', '/v1/grants', body);
        say(message, t('grants.given', { id: given.id, state: t(`state.${given.state}`) }), 'ok');
        await refresh();
      } catch (e) {
        say(message, t('form.err.server', { detail: e.message }), 'error');
      } finally { submit.disabled = false; }
    },
  }, h('h2', { text: t('grants.give') }), field(t('grants.grantee'), grantee), field(t('grants.record_type'), type), fieldsBox,
  field(t('grants.purpose_code'), code), field(t('grants.purpose_text'), purpose), field(t('grants.days'), days), submit);
}

async function grantsPage(el, who) {
  const message = notice();
  const list = h('div');
  const refresh = async () => {
    const grants = await read('/v1/grants');
    const mine = grants.filter((g) => g.owner === who.org);
    const revoke = (g) => (g.state === 'active' || g.state === 'proposed' ? h('button', { type: 'button', text: t('grants.revoke'), 'data-grant': g.id, onclick: async () => {
      await withKey(el);
      try {
        await act('DELETE', `/v1/grants/${g.id}`, revokeBody({ ...(await relayContext()), grantId: g.id }));
        say(message, t('grants.revoked', { id: g.id }), 'ok');
        await refresh();
      } catch (e) { say(message, e.message, 'error'); }
    } }) : '');
    fill(list, mine.length ? table(t('grants.title'), GRANT_HEADERS(), grantRows(mine, revoke)) : h('p', { text: t('common.none') }));
  };
  await refresh();
  fill(el, section(t('grants.title'), list, message), await giveForm(el, who, message, refresh));
}

async function reviewsPage(el) {
  const message = notice();
  const list = h('div');
  const refresh = async () => {
    const proposals = await read('/v1/grants?state=proposed');
    const decide = (g) => {
      const reason = h('input', { type: 'text', maxlength: 200, 'aria-label': `${t('reviews.reason')} #${g.id}` });
      const go = (approved) => async () => {
        if (!approved && !reason.value.trim()) { say(message, t('form.err.required', { field: t('reviews.reason') }), 'error'); reason.focus(); return; }
        await withKey(el);
        try {
          const body = reviewBody({ ...(await relayContext()), grantId: g.id, approved, reason: reason.value || null });
          await act('POST', `/v1/grants/${g.id}:${approved ? 'approve' : 'refuse'}`, body);
          say(message, t('reviews.done', { id: g.id }), 'ok');
          await refresh();
        } catch (e) { say(message, e.message, 'error'); }
      };
      return h('span.actions', {}, reason, h('button', { type: 'button', text: t('reviews.approve'), 'data-approve': g.id, onclick: go(true) }),
        h('button', { type: 'button', text: t('reviews.refuse'), onclick: go(false) }));
    };
    fill(list, proposals.length ? table(t('reviews.title'), GRANT_HEADERS(), grantRows(proposals, decide)) : h('p', { text: t('common.none') }));
  };
  await refresh();
  fill(el, section(t('reviews.title'), list, message));
}

async function requestsPage(el, said = null) {
  const items = await read('/v1/requests');
  const message = notice();
  const rows = items.map((r) => {
    const reason = h('input', { type: 'text', 'aria-label': `${t('requests.reason')} ${r.id}` });
    const successor = h('input', { type: 'text', 'aria-label': `${t('requests.successor')} ${r.id}`, placeholder: t('requests.successor') });
    const decide = (accept) => async () => {
      if (accept && r.kind === 'correction' && !successor.value.trim()) { say(message, t('form.err.required', { field: t('requests.successor') }), 'error'); successor.focus(); return; }
      if (accept && r.kind === 'erasure' && !window.confirm(t('requests.confirm_erasure', { id: r.record_id }))) return;
      if (!accept && !reason.value.trim()) { say(message, t('form.err.required', { field: t('requests.reason') }), 'error'); reason.focus(); return; }
      await withKey(el);
      try {
        const body = accept ? (r.kind === 'correction' ? { record_id: successor.value.trim() } : {}) : { reason: reason.value };
        await act('POST', `/v1/requests/${encodeURIComponent(r.id)}:${accept ? 'accept' : 'refuse'}`, body);
        await requestsPage(el, t('reviews.done', { id: r.id }));
      } catch (e) { say(message, e.message, 'error'); }
    };
    const open = r.status === 'open';
    return [short(r.id), t(`requests.kind.${r.kind}`), short(r.record_id), formatTime(r.filed_at), r.text ?? '—', statusBadge('request', r.status),
      open ? h('span.actions', {}, r.kind === 'correction' ? successor : null, h('button', { type: 'button', text: t('requests.accept'), onclick: decide(true) }), reason,
        h('button', { type: 'button', text: t('requests.refuse'), onclick: decide(false) })) : (r.reason ?? '—')];
  });
  fill(el, section(t('requests.title'), rows.length
    ? table(t('requests.title'), [t('common.id'), t('requests.kind'), t('common.record'), t('common.time'), t('common.more'), t('common.status'), ''], rows)
    : h('p', { text: t('common.none') }), message));
  if (said) say(message, said, 'ok');
}

export function adminPages(who, { reviewsOnly = false } = {}) {
  if (reviewsOnly) return [{ id: 'reviews', label: 'tab.reviews', render: reviewsPage }];
  return [
    { id: 'grants', label: 'tab.grants', render: (el) => grantsPage(el, who) },
    { id: 'requests', label: 'tab.requests', render: requestsPage },
  ];
}
