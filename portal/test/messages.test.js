// The message catalogue: both languages name the same keys, every key the pages use exists,
// and no message is empty — a Chinese page never falls back to English (or to a key).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LANGUAGES, MESSAGES } from '../src/messages.js';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory()
    ? sources(path.join(dir, e.name)) : e.name.endsWith('.js') ? [path.join(dir, e.name)] : []));
}

test('both languages have exactly the same keys, none empty', () => {
  assert.deepEqual(Object.keys(LANGUAGES), ['zh-CN', 'en']);
  const zh = Object.keys(MESSAGES['zh-CN']).sort();
  assert.deepEqual(Object.keys(MESSAGES.en).sort(), zh);
  for (const lang of Object.keys(LANGUAGES)) {
    for (const [key, text] of Object.entries(MESSAGES[lang])) assert.ok(text.trim(), `${lang} ${key} is empty`);
  }
});

test('the same parameters appear in both languages', () => {
  const params = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const key of Object.keys(MESSAGES['zh-CN'])) {
    assert.deepEqual(params(MESSAGES.en[key]), params(MESSAGES['zh-CN'][key]), key);
  }
});

test('every literal key the pages ask for is in the catalogue', () => {
  const used = new Set();
  for (const file of sources(src)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\bt\('([a-z_]+(?:\.[a-z_0-9]+)+)'/g)) used.add(m[1]);
  }
  assert.ok(used.size > 50, `only ${used.size} keys found: is the scan broken?`);
  const missing = [...used].filter((k) => !(k in MESSAGES['zh-CN']));
  assert.deepEqual(missing, []);
});

test('the Chinese catalogue is Chinese: most messages hold CJK characters', () => {
  const entries = Object.values(MESSAGES['zh-CN']);
  const cjk = entries.filter((x) => /[\u4e00-\u9fff]/.test(x)).length;
  assert.ok(cjk / entries.length > 0.9, `${cjk} of ${entries.length}`);
});
