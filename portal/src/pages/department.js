// A department's pages: what it was granted, the records it may read, and verify by drop —
// a record file and its receipt checked in the browser, against a chain node of its choosing,
// by the independent JavaScript verifier (verifier-js), each check shown.
import { h, fill, table, short } from '../dom.js';
import { t, formatTime } from '../i18n.js';
import { read } from '../api.js';
import { JsonRpcChain, verifyReceipt } from '../../../verifier-js/src/index.js';
import { addressBookChooser, notice, rememberRpc, rpcInput, say, section, statusBadge } from './common.js';


async function grantedPage(el, who) {
  const grants = (await read('/v1/grants')).filter((g) => g.grantee === who.org);
  fill(el, section(t('dept.granted.title'), grants.length
    ? table(t('dept.granted.title'), ['#', t('common.org'), t('grants.record_type'), t('common.fields'), t('common.purpose'), t('common.expires'), t('grants.state')],
      grants.map((g) => [String(g.id), g.owner, g.type ?? short(g.record), (g.fields ?? []).join(', '), g.purpose_code ?? g.purpose ?? '—', formatTime(g.expires_at), statusBadge('state', g.state)]))
    : h('p', { text: t('common.none') })));
}

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  return h('a.button', { href: url, download: name, text: name });
}

async function readablePage(el) {
  const page = await read('/v1/records?limit=200');
  const shown = h('div');
  const rows = page.items.map((r) => [short(r.id), r.owner, r.type, statusBadge('status', r.status), (r.fields ?? []).join(', ') || '*',
    h('button', { type: 'button', text: t('dept.read'), onclick: async () => {
      const record = await read(`/v1/records/${encodeURIComponent(r.id)}`);
      let receipt = null;
      try { receipt = await read(`/v1/records/${encodeURIComponent(r.id)}/receipt`); } catch { /* not anchored yet */ }
      fill(shown, section(`${t('common.record')} ${r.id}`,
        h('dl.facts', {}, Object.entries(record.payload ?? {}).map(([k, v]) => [h('dt', { text: k }), h('dd', { text: JSON.stringify(v) })])),
        h('p.downloads', {}, download(`${r.id}.record.json`, JSON.stringify(record.disclosure, null, 2)),
          receipt ? download(`${r.id}.receipt.json`, JSON.stringify(receipt, null, 2)) : null)));
    } })]);
  fill(el, section(t('dept.readable.title'), rows.length
    ? table(t('dept.readable.title'), [t('common.id'), t('common.org'), t('common.type'), t('common.status'), t('common.fields'), ''], rows)
    : h('p', { text: t('common.none') })), shown);
}

/** A check's name in the reader's language (the verifier's code and its reason stay as the spec words them). */
function checkLabel(code) {
  try { return t(`check.${code}`); } catch { return code; }
}

/**
 * Which dropped file is the receipt and which the record (its disclosure), by their `format`. Strict:
 * two files of one kind, a file of neither kind, or an address book (the root of trust is chosen in its
 * own control, never slipped in with the files) are refused with `problem` set.
 */
export function sortFiles(texts) {
  const out = { receipt: null, disclosure: null, problem: null };
  for (const { name, text } of texts) {
    let format = null;
    try { format = JSON.parse(text)?.format ?? null; } catch { /* not JSON */ }
    const kind = format === 'gridledger-receipt/1' ? 'receipt' : format === 'gridledger-disclosure/1' ? 'disclosure' : null;
    if (kind === null) { out.problem = { key: 'verify.unknown_file', name }; return out; }
    if (out[kind] !== null) { out.problem = { key: 'verify.two_files', name }; return out; }
    out[kind] = text;
  }
  return out;
}

async function verifyPage(el) {
  const message = notice();
  const checks = h('div.checks');
  const rpc = rpcInput('rpc-url');
  const chooser = addressBookChooser('verify');
  const files = h('input', { type: 'file', id: 'drop-files', multiple: true, accept: '.json,application/json', class: 'visually-hidden' });
  const chosen = h('p.hint', { 'aria-live': 'polite' });
  let dropped = [];
  const zone = h('label.dropzone', { for: 'drop-files', tabindex: 0 }, t('verify.drop'));
  const take = async (list) => {
    dropped = await Promise.all([...list].map(async (f) => ({ name: f.name, text: await f.text() })));
    chosen.textContent = t('verify.files', { names: dropped.map((f) => f.name).join(', ') });
  };
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', async (e) => { e.preventDefault(); zone.classList.remove('over'); await take(e.dataTransfer.files); await run(); });
  zone.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); files.click(); } });
  files.addEventListener('change', async () => { await take(files.files); await run(); });

  async function run() {
    fill(checks);
    const sorted = sortFiles(dropped);
    if (sorted.problem) { el.dataset.verdict = 'refused'; say(message, t(sorted.problem.key, { name: sorted.problem.name }), 'error'); return; }
    if (sorted.receipt === null) { say(message, t('verify.need_receipt'), 'error'); return; }
    try {
      if (!rpc.value) { say(message, t('verify.error', { detail: t('verify.rpc') }), 'error'); rpc.focus(); return; }
      rememberRpc(rpc.value);
      const book = await chooser.book();
      const chain = new JsonRpcChain(rpc.value, { registry: book.registry, membership: book.membership, record_types: book.record_types });
      const verdict = await verifyReceipt({ receipt: sorted.receipt, disclosure: sorted.disclosure, addressBook: book, chain });
      fill(checks, h('ol.checklist', {}, verdict.checks.map((c) => h(`li.check-${c.status}`, { 'data-check': c.check },
        h('span.badge', { text: t(`verify.check.${c.status}`) }), ' ', h('strong', { text: checkLabel(c.check) }), ` (${c.check}): ${c.reason}`))));
      el.dataset.verdict = verdict.valid ? 'valid' : `invalid:${verdict.check}`;
      if (verdict.valid) say(message, t(sorted.disclosure === null ? 'verify.valid_entry_only' : 'verify.valid'), 'ok');
      else say(message, t('verify.invalid', { check: checkLabel(verdict.check), reason: verdict.reason }), 'error');
    } catch (e) {
      el.dataset.verdict = 'error';
      say(message, t('verify.error', { detail: e.message }), 'error');
    }
  }

  fill(el, section(t('verify.title'), h('p', { text: t('verify.intro') }),
    h('div.field', {}, h('label', { for: 'rpc-url', text: t('verify.rpc') }), rpc),
    chooser.element,
    zone, files, chosen, h('button.primary', { type: 'button', text: t('verify.run'), onclick: run }), message, checks));
}

export function departmentPages(who) {
  return [
    { id: 'granted', label: 'tab.granted', render: (el) => grantedPage(el, who) },
    { id: 'readable', label: 'tab.readable', render: readablePage },
    { id: 'verify', label: 'tab.verify', render: verifyPage },
  ];
}
