// A subdistrict auditor's pages: who read what (filters, refused reads highlighted, reads
// per department per week), the access log's head and the integrity sweep's result.
import { h, fill, table, short, field } from '../dom.js';
import { t, formatTime, formatDate } from '../i18n.js';
import { act, read } from '../api.js';
import { bytes, verifyConsistency } from '../../../verifier-js/src/index.js';
import { ResidentChain, signedByAnchorer } from '../proofs/completeness.js';
import { addressBookChooser, notice, rememberRpc, rpcInput, say, section, statusBadge, withKey } from './common.js';


/**
 * The log as the chain has it: the anchored heads (newest ten), whether the head the gateway serves is
 * signed by an anchorer of its organisation, and whether it extends the newest anchored head (a
 * consistency proof checked here) — what `gridledger audit verify` checks first, read from the
 * auditor's own node rather than from the gateway.
 */
async function chainCheck(rpcUrl, book) {
  const chain = new ResidentChain(rpcUrl, book);
  const head = await read('/v1/audit/log/head');
  const count = await chain.logHeadCount(head.org, head.log_id);
  const anchored = [];
  for (let i = Math.max(0, count - 10); i < count; i++) anchored.push(await chain.logHeadAt(head.org, head.log_id, i));
  const signed = await signedByAnchorer(chain, head.org, bytes.fromHex(head.log_id), head.size, bytes.fromHex(head.root), bytes.fromHex(head.signature));
  const latest = anchored.at(-1) ?? null;
  let extends_ = null;
  if (latest) {
    if (latest.treeSize === head.size) extends_ = latest.root.toLowerCase() === head.root.toLowerCase();
    else if (latest.treeSize > head.size) extends_ = false;
    else {
      const proof = await read(`/v1/audit/log/consistency?first=${latest.treeSize}&second=${head.size}`);
      extends_ = verifyConsistency(latest.treeSize, head.size, proof.proof.map((x) => bytes.fromHex(x)), bytes.fromHex(latest.root), bytes.fromHex(head.root));
    }
  }
  return { head, anchored, signed, latest, extends: extends_ };
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** Monday 00:00 local of the week `moment` falls in. */
function weekOf(moment) {
  const d = new Date(moment);
  d.setHours(0, 0, 0, 0);
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return d.getTime();
}

const COLOURS = ['#1f5f99', '#b5561d', '#2e7d32', '#6a1b9a', '#00838f', '#ad1457'];

/** Reads per accessor organisation per week, as grouped bars, with a table beside for screen readers. */
export function weeklyChart(entries) {
  const reads = entries.map((e) => e.opened ?? e).filter((e) => (e.action === 'read' || e.action === 'sealed') && e.accessor_org);
  const weeks = [...new Set(reads.map((e) => weekOf(e.at)))].sort((a, b) => a - b).slice(-8);
  const orgs = [...new Set(reads.map((e) => e.accessor_org))].sort();
  const count = (w, o) => reads.filter((e) => weekOf(e.at) === w && e.accessor_org === o).length;
  const max = Math.max(1, ...weeks.flatMap((w) => orgs.map((o) => count(w, o))));
  const width = 80 + weeks.length * (orgs.length * 18 + 24);
  const chart = svg('svg', { width, height: 200, role: 'img', 'aria-labelledby': 'chart-title chart-desc', class: 'chart' },
    svg('title', { id: 'chart-title' }, t('timeline.chart')), svg('desc', { id: 'chart-desc' }, t('timeline.chart_desc')));
  weeks.forEach((w, i) => {
    const x0 = 60 + i * (orgs.length * 18 + 24);
    orgs.forEach((o, j) => {
      const n = count(w, o);
      const height = (n / max) * 140;
      chart.append(svg('rect', { x: x0 + j * 18, y: 160 - height, width: 14, height, fill: COLOURS[j % COLOURS.length] }, svg('title', {}, `${o}: ${n}`)));
    });
    chart.append(svg('text', { x: x0, y: 185, 'font-size': 12 }, formatDate(new Date(w))));
  });
  chart.append(svg('text', { x: 4, y: 20, 'font-size': 12 }, String(max)));
  const legend = h('ul.legend', {}, orgs.map((o, j) => h('li', {}, h(`span.swatch.c${j % COLOURS.length}`), o)));
  const data = table(t('timeline.chart'), [t('timeline.week_of', { date: '' }).trim(), ...orgs],
    weeks.map((w) => [formatDate(new Date(w)), ...orgs.map((o) => String(count(w, o)))]));
  data.classList.add('visually-hidden');
  return h('figure.chart-box', {}, chart, legend, data);
}

function entryRow(stub) {
  const e = stub.opened ?? stub; // a sealed read: its content where this office is privy to it, else its stub
  const refused = e.outcome === 'refused';
  let action;
  try { action = t(`action.${e.action}`); } catch { action = e.action; }
  return h(refused ? 'tr.refused' : stub.opens_at ? 'tr.sealed' : 'tr', { 'data-idx': stub.idx }, [
    h('td', { text: formatTime(e.at) }),
    h('td', { text: e.accessor_org ?? '—' }),
    h('td', {}, short(e.accessor)),
    h('td', { text: action }),
    h('td', {}, e.outcome ? statusBadge('outcome', e.outcome) : '—'),
    h('td', {}, short(e.record_id)),
    h('td', { text: (e.fields ?? []).join(', ') || '—' }),
    h('td', { text: e.purpose ?? e.reason ?? '—' }),
  ]);
}

async function timeline(el) {
  const filters = {
    accessor_org: h('input', { type: 'text', id: 'flt-org', name: 'accessor_org' }),
    purpose: h('input', { type: 'text', id: 'flt-purpose', name: 'purpose' }),
    outcome: h('select', { id: 'flt-outcome', name: 'outcome' }, h('option', { value: '', text: t('timeline.filter.any') }),
      h('option', { value: 'allowed', text: t('outcome.allowed') }), h('option', { value: 'refused', text: t('outcome.refused') })),
    record: h('input', { type: 'text', id: 'flt-record', name: 'record' }),
    subject: h('input', { type: 'text', id: 'flt-subject', name: 'subject', autocomplete: 'off' }),
  };
  const labels = { accessor_org: 'timeline.filter.org', purpose: 'timeline.filter.purpose', outcome: 'timeline.filter.outcome', record: 'timeline.filter.record', subject: 'timeline.filter.subject' };
  const results = h('div');
  const chartBox = h('div');
  async function load() {
    const query = new URLSearchParams({ limit: '500' });
    for (const [name, control] of Object.entries(filters)) if (control.value.trim()) query.set(name, control.value.trim());
    const page = await read(`/v1/audit/access?${query}`);
    fill(chartBox, weeklyChart(page.entries));
    const entries = table(t('timeline.title'), [t('common.time'), t('common.org'), t('timeline.reader'), t('timeline.action'), t('common.outcome'), t('common.record'), t('common.fields'), t('common.purpose')], page.entries.map(entryRow));
    entries.classList.add('entries');
    const total = page.total_capped ? t('timeline.total_capped', { n: page.total }) : t('timeline.total', { n: page.total });
    fill(results, h('p', { text: total }), page.entries.length ? entries : h('p', { text: t('common.none') }));
    results.dataset.query = query.toString();
  }
  const form = h('form.filters', { onsubmit: async (event) => { event.preventDefault(); await load(); } },
    Object.entries(filters).map(([name, control]) => h('div.field', {}, h('label', { for: control.id, text: t(labels[name]) }), control)),
    h('button.primary', { type: 'submit', text: t('timeline.apply') }));
  fill(el, section(t('timeline.title'), form, h('h3', { text: t('timeline.chart') }), chartBox, results));
  await load();
}

async function logPage(el) {
  const head = await read('/v1/audit/log/head');
  const message = notice();
  const sweepBox = h('div');
  const anchor = h('button', { type: 'button', text: t('log.anchor_now'), onclick: async () => {
    await withKey(el);
    try { await act('POST', '/v1/audit/log/anchor', {}); say(message, t('log.anchor_requested'), 'ok'); } catch (e) { say(message, e.message, 'error'); }
  } });
  const sweep = h('button.primary', { type: 'button', text: t('log.run_sweep'), onclick: async () => {
    sweep.disabled = true;
    try {
      const page = await read('/v1/audit/integrity');
      const checks = (page.checked ?? 0) + ['batches', 'grants', 'access_log', 'subjects', 'resident_keys'].reduce((n, k) => n + (page[k]?.checked ?? page[k]?.batches ?? page[k]?.grants ?? 0), 0);
      fill(sweepBox, page.mismatches.length === 0
        ? h('p.message.ok', { role: 'status', text: t('log.sweep_ok', { n: checks }) })
        : h('div', {}, h('p.message.error', { role: 'alert', text: t('log.sweep_bad', { n: page.mismatches.length }) }),
          h('ul', {}, page.mismatches.map((m) => h('li', { text: `${m.kind} ${m.id}: ${m.problem}` })))));
      sweepBox.dataset.mismatches = String(page.mismatches.length);
    } finally { sweep.disabled = false; }
  } });
  const rpc = rpcInput('log-rpc');
  const chainBox = h('div');
  const chainMessage = notice();
  const chooser = addressBookChooser('log');
  const check = h('button.primary', { type: 'button', id: 'log-check', text: t('log.check_chain'), onclick: async () => {
    if (!rpc.value) { say(chainMessage, t('form.err.required', { field: t('verify.rpc') }), 'error'); rpc.focus(); return; }
    rememberRpc(rpc.value);
    check.disabled = true;
    try {
      const found = await chainCheck(rpc.value, await chooser.book());
      const ok = found.signed && found.extends !== false;
      const mark = (good) => h(`span.badge.${good ? 'outcome-allowed' : 'outcome-refused'}`, { text: t(good ? 'verify.check.pass' : 'verify.check.fail') });
      fill(chainBox,
        h('ul.checklist', {},
          h('li', {}, mark(found.signed), ' ', t('log.signed_by_anchorer', { org: found.head.org })),
          found.latest ? h('li', {}, mark(found.extends), ' ', t('log.extends', { size: found.latest.treeSize })) : h('li', { text: t('log.none_anchored') })),
        found.anchored.length ? table(t('log.anchored'), [t('log.size'), t('log.root'), t('common.time'), t('log.block')],
          found.anchored.slice().reverse().map((a) => [String(a.treeSize), short(a.root), formatTime(a.anchoredAt), String(a.blockNumber)])) : null);
      el.dataset.chainCheck = ok ? 'ok' : 'failed';
      say(chainMessage, t(ok ? 'log.chain_ok' : 'log.chain_bad'), ok ? 'ok' : 'error');
    } catch (e) {
      el.dataset.chainCheck = 'error';
      say(chainMessage, t('verify.error', { detail: e.message }), 'error');
    } finally { check.disabled = false; }
  } });
  fill(el, section(t('log.title'),
    h('dl.facts', {}, h('dt', { text: t('log.size') }), h('dd', { text: String(head.size) }),
      h('dt', { text: t('log.root') }), h('dd', {}, short(head.root)),
      h('dt', { text: t('log.signer') }), h('dd', {}, short(head.signer))),
    anchor, message),
  section(t('log.chain_title'), h('p', { text: t('log.chain_intro') }), field(t('verify.rpc'), rpc), chooser.element, check, chainMessage, chainBox),
  section(t('log.integrity'), sweep, sweepBox));
}

export function auditorPages() {
  return [
    { id: 'timeline', label: 'tab.timeline', render: timeline },
    { id: 'log', label: 'tab.log', render: logPage },
  ];
}
