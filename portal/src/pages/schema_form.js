// A form generated from a record type's JSON Schema: one control per field, labelled with
// its sensitivity, checked in plain words before anything is signed (the gateway checks again).
import { h, field } from '../dom.js';
import { t } from '../i18n.js';

const LABEL = 'x-gridledger-sensitivity';

function controlFor(name, spec) {
  if (spec.type === 'boolean') return h('input', { type: 'checkbox', name });
  if (spec.type === 'integer' || spec.type === 'number') {
    // text, not type=number: a browser silently drops what is not a number, and the worker never learns why
    return h('input', { type: 'text', name, inputmode: spec.type === 'integer' ? 'numeric' : 'decimal', autocomplete: 'off' });
  }
  if (spec.type === 'array') return h('textarea', { name, rows: 3 });
  if (spec.enum) return h('select', { name }, h('option', { value: '', text: '—' }), spec.enum.map((v) => h('option', { value: v, text: v })));
  if (spec.format === 'date') return h('input', { type: 'date', name });
  if ((spec.maxLength ?? 0) > 200) return h('textarea', { name, rows: 4, maxlength: spec.maxLength });
  return h('input', { type: 'text', name, maxlength: spec.maxLength, autocomplete: 'off' });
}

/** The form's controls for `schema`; `read()` gives {payload, errors: [text]}. */
export function schemaForm(schema) {
  const required = new Set(schema.required ?? []);
  const controls = {};
  const parts = Object.entries(schema.properties ?? {}).map(([name, spec]) => {
    const control = controlFor(name, spec);
    if (required.has(name)) control.setAttribute('aria-required', 'true');
    controls[name] = { control, spec };
    const sensitivity = spec[LABEL] ? t(`sensitivity.${spec[LABEL]}`) : null;
    const hint = [required.has(name) ? t('form.required') : null, sensitivity, spec.type === 'array' ? t('form.one_per_line') : null]
      .filter(Boolean).join(' · ');
    const wrapper = field(name, control, hint || null);
    if (spec[LABEL] === 'sensitive') wrapper.classList.add('sensitive');
    return wrapper;
  });

  function read() {
    const payload = {};
    const errors = [];
    for (const [name, { control, spec }] of Object.entries(controls)) {
      const problem = (key, n) => errors.push({ field: name, text: t(key, { field: name, n }) });
      if (spec.type === 'boolean') { if (control.checked) payload[name] = true; continue; }
      const raw = control.value.trim();
      if (raw === '') { if (required.has(name)) problem('form.err.required'); continue; }
      if (spec.type === 'integer' || spec.type === 'number') {
        const value = Number(raw);
        if (!Number.isFinite(value) || (spec.type === 'integer' && !Number.isInteger(value))) { problem('form.err.integer'); continue; }
        if (spec.minimum !== undefined && value < spec.minimum) problem('form.err.min', spec.minimum);
        if (spec.maximum !== undefined && value > spec.maximum) problem('form.err.max', spec.maximum);
        payload[name] = value;
      } else if (spec.type === 'array') {
        const items = raw.split('\n').map((x) => x.trim()).filter(Boolean);
        const pattern = spec.items?.pattern ? new RegExp(spec.items.pattern, 'u') : null;
        if (pattern && items.some((x) => !pattern.test(x))) problem('form.err.pattern');
        payload[name] = items;
      } else {
        if (spec.minLength !== undefined && raw.length < spec.minLength) problem('form.err.min_length', spec.minLength);
        if (spec.maxLength !== undefined && raw.length > spec.maxLength) problem('form.err.max_length', spec.maxLength);
        if (spec.pattern && !new RegExp(spec.pattern, 'u').test(raw)) problem('form.err.pattern');
        payload[name] = raw;
      }
    }
    for (const { field: name } of errors) controls[name].control.setAttribute('aria-invalid', 'true');
    return { payload, errors };
  }

  function reset() {
    for (const { control } of Object.values(controls)) {
      if (control.type === 'checkbox') control.checked = false; else control.value = '';
      control.removeAttribute('aria-invalid');
    }
  }

  return { element: h('div.schema-form', {}, parts), read, reset, controls };
}

/** One CSV cell as the schema types it (ids and phone numbers stay strings). */
export function typedCell(spec, raw) {
  const text = raw.trim();
  if (text === '') return undefined;
  if (spec.type === 'integer' || spec.type === 'number') return Number(text);
  if (spec.type === 'boolean') return ['true', '1', 'yes', '是'].includes(text.toLowerCase());
  if (spec.type === 'array') return text.split(/[;；]/).map((x) => x.trim()).filter(Boolean);
  return text;
}
