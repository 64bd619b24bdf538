// A committee worker's pages: a form per record type, a CSV import with a preview, the list.
import { h, fill, table, short } from '../dom.js';
import { t, formatTime } from '../i18n.js';
import { ApiError, act, key, read, who } from '../api.js';
import { prepareCommit } from '../signer/index.js';
import { notice, say, section, statusBadge, withKey } from './common.js';
import { schemaForm, typedCell } from './schema_form.js';

/** The record whose new version the form is for (set by the list's "new version" button), or null. */
let editing = null;

async function commitOne(info, typeInfo, payload, previous = null) {
  const body = prepareCommit({
    privateKey: key(), org: who().org, chainId: info.chain_id, registry: info.registry,
    recordType: typeInfo.name, typeVersion: typeInfo.latest, payload,
    ...(previous ? { supersedes: previous.id, version: previous.version + 1 } : {}),
  });
  return act('POST', '/v1/records', body);
}

/** Put `payload`'s values into the form's controls (a new version starts from the old one). */
function prefill(form, payload) {
  for (const [name, { control, spec }] of Object.entries(form.controls)) {
    if (!(name in payload)) continue;
    if (control.type === 'checkbox') control.checked = payload[name] === true;
    else control.value = spec.type === 'array' ? payload[name].join('\n') : String(payload[name]);
  }
}

async function waitAnchored(id, onAnchored, tries = 150) {
  for (let i = 0; i < tries; i++) {
    try {
      const receipt = await read(`/v1/records/${encodeURIComponent(id)}/receipt`);
      onAnchored(receipt);
      return receipt;
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 409) throw e;
    }
    await new Promise((r) => setTimeout(r, 400));
  }
  return null;
}

async function newRecord(el) {
  const [info, types] = await Promise.all([read('/v1/info'), read('/v1/record-types')]);
  const usable = types.items.filter((x) => x.latest);
  const select = h('select', { id: 'record-type', name: 'type' }, usable.map((x) => h('option', { value: x.name, text: `${x.title} (${x.name})` })));
  const holder = h('div');
  const message = notice();
  const previous = editing;
  editing = null;
  let form = null;
  let typeInfo = null;
  async function load() {
    typeInfo = usable.find((x) => x.name === select.value);
    const schema = await read(`/v1/record-types/${encodeURIComponent(typeInfo.name)}`);
    form = schemaForm(schema);
    fill(holder, form.element);
    if (previous) prefill(form, previous.payload);
  }
  select.addEventListener('change', load);
  const submit = h('button.primary', { type: 'submit', text: t('form.submit') });
  const el2 = h('form.card', {
    novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      const { payload, errors } = form.read();
      if (errors.length) {
        say(message, errors.map((e) => e.text).join(' '), 'error');
        form.controls[errors[0].field].control.focus();
        return;
      }
      await withKey(el);
      submit.disabled = true;
      say(message, t('form.submitting'));
      try {
        const accepted = await commitOne(info, typeInfo, payload, previous);
        say(message, t('form.accepted', { id: accepted.id, status: t(`status.${accepted.status}`) }), 'ok');
        el2.dataset.recordId = accepted.id;
        form.reset();
        waitAnchored(accepted.id, (receipt) => {
          say(message, t('form.anchored', { id: accepted.id, block: receipt.anchor.block_number }), 'ok');
          el2.dataset.anchored = accepted.id;
        });
      } catch (e) {
        say(message, t('form.err.server', { detail: e.message }), 'error');
      } finally {
        submit.disabled = false;
      }
    },
  }, h('h2', { text: previous ? t('form.new_version_of', { id: previous.id, version: previous.version + 1 }) : t('tab.new_record') }),
  h('div.field', {}, h('label', { for: 'record-type', text: t('form.choose_type') }), select), holder, submit, message);
  fill(el, el2);
  const wanted = usable.find((x) => x.name === (previous ? previous.type : 'household'));
  if (wanted) select.value = wanted.name;
  select.disabled = previous !== null; // a new version keeps its record's type
  await load();
}

async function recordsList(el, me) {
  const page = await read('/v1/records?limit=200');
  const superseded = new Set(page.items.map((r) => r.supersedes).filter(Boolean));
  const mayEdit = (r) => me.roles.includes('recorder') && r.owner === me.org && r.status !== 'erased' && !superseded.has(r.id);
  const rows = page.items.map((r) => [short(r.id), r.type, String(r.version), statusBadge('status', r.status), formatTime(r.committed_at), formatTime(r.anchored_at),
    mayEdit(r) ? h('button', { type: 'button', text: t('records.new_version'), 'data-record': r.id, onclick: async () => {
      const record = await read(`/v1/records/${encodeURIComponent(r.id)}`);
      editing = { id: r.id, version: r.version, type: r.type, payload: record.payload };
      location.hash = '#/new-record';
    } }) : '']);
  fill(el, section(t('records.title'),
    rows.length ? table(t('records.title'), [t('common.id'), t('common.type'), t('common.version'), t('common.status'), t('common.time'), t('status.anchored'), ''], rows)
      : h('p', { text: t('records.empty') })));
}

/** Split CSV text into rows of cells (quoted cells may hold commas, quotes and new lines). */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows.filter((r) => r.some((x) => x.trim() !== ''));
}

async function importCsv(el) {
  const [info, types] = await Promise.all([read('/v1/info'), read('/v1/record-types')]);
  const usable = types.items.filter((x) => x.latest);
  const select = h('select', { id: 'import-type' }, usable.map((x) => h('option', { value: x.name, text: `${x.title} (${x.name})` })));
  const file = h('input', { type: 'file', accept: '.csv,text/csv', id: 'import-file' });
  const preview = h('div.preview');
  const message = notice();
  const progress = h('progress', { max: 1, value: 0, hidden: true, 'aria-label': t('import.title') });
  let ready = [];
  const start = h('button.primary', { type: 'button', hidden: true });
  async function doPreview() {
    const typeInfo = usable.find((x) => x.name === select.value);
    const schema = await read(`/v1/record-types/${encodeURIComponent(typeInfo.name)}`);
    const rows = parseCsv(await file.files[0].text());
    const [header, ...body] = rows;
    const probe = schemaForm(schema);
    ready = [];
    const shown = body.map((cells, i) => {
      const payload = {};
      header.forEach((name, j) => {
        const spec = schema.properties?.[name.trim()];
        const value = spec ? typedCell(spec, cells[j] ?? '') : undefined;
        if (value !== undefined) payload[name.trim()] = value;
      });
      const unknown = header.map((x) => x.trim()).filter((x) => !(x in (schema.properties ?? {})));
      const errors = unknown.length ? [`${unknown.join(', ')}: ${t('form.err.pattern', { field: unknown[0] })}`] : [];
      for (const [name, { control, spec }] of Object.entries(probe.controls)) {
        if (name in payload) control.value = spec.type === 'array' ? payload[name].join('\n') : String(payload[name]);
        else control.value = '';
        if (control.type === 'checkbox') control.checked = payload[name] === true;
      }
      const checked = probe.read();
      errors.push(...checked.errors.map((e) => e.text));
      if (!errors.length) ready.push({ typeInfo, payload });
      return h(errors.length ? 'tr.bad' : 'tr', {}, h('td', { text: String(i + 2) }), h('td', { text: Object.values(payload).slice(0, 3).join(' · ') }),
        h('td', { text: errors.length ? t('import.row_error', { row: i + 2, error: errors.join(' ') }) : t('import.row_ok') }));
    });
    fill(preview, table(t('import.preview'), ['#', t('common.fields'), t('common.status')], shown));
    const bad = shown.length - ready.length;
    start.hidden = bad > 0 || ready.length === 0;
    start.textContent = t('import.start', { n: ready.length });
    if (bad) say(message, t('import.has_errors', { n: bad }), 'error'); else say(message, '');
  }
  file.addEventListener('change', () => file.files?.length && doPreview());
  select.addEventListener('change', () => file.files?.length && doPreview());
  start.addEventListener('click', async () => {
    await withKey(el);
    start.disabled = true;
    progress.hidden = false;
    progress.max = ready.length;
    let done = 0;
    try {
      for (let i = 0; i < ready.length; i += 100) {
        const chunk = ready.slice(i, i + 100).map(({ typeInfo, payload }) => prepareCommit({
          privateKey: key(), org: who().org, chainId: info.chain_id, registry: info.registry,
          recordType: typeInfo.name, typeVersion: typeInfo.latest, payload,
        }));
        await act('POST', '/v1/records:batch', { records: chunk });
        done += chunk.length;
        progress.value = done;
        say(message, t('import.progress', { done, total: ready.length }));
      }
      say(message, t('import.done', { done }), 'ok');
    } catch (e) {
      say(message, t('form.err.server', { detail: e.message }), 'error');
    } finally {
      start.disabled = false;
    }
  });
  fill(el, h('div.card', {}, h('h2', { text: t('import.title') }), h('p', { text: t('import.intro') }),
    h('div.field', {}, h('label', { for: 'import-type', text: t('form.choose_type') }), select),
    h('div.field', {}, h('label', { for: 'import-file', text: t('import.file') }), file),
    preview, start, progress, message));
}

export function committeePages(roles) {
  const pages = [{ id: 'records', label: 'tab.records', render: recordsList }];
  if (roles.has('recorder')) {
    pages.unshift({ id: 'new-record', label: 'tab.new_record', render: newRecord });
    pages.push({ id: 'import', label: 'tab.import', render: importCsv });
  }
  return pages;
}
