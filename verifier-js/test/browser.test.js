// The browser bundle in headless Chromium (Debian's /usr/bin/chromium through playwright-core,
// which never downloads a browser): the page runs every vector set and must give exactly the
// answers Node gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';

import { bundles } from '../scripts/build.js';
import { runAll } from '../src/vectorset.js';
import { loadAll } from '../testlib/data.js';

const CHROMIUM = process.env.GRIDLEDGER_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run'];

let skip = false;
if (!existsSync(CHROMIUM)) {
  skip = `CHROMIUM MISSING: ${CHROMIUM} is absent (./scripts/bootstrap installs Debian's chromium); the browser test is SKIPPED`;
  process.stderr.write(`\n*** ${skip} ***\n\n`);
}

test('the bundle in headless Chromium gives the same answers as Node on every vector set', { skip, timeout: 180_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const bundle = (await bundles())['gridledger-verifier.js'];
  const data = loadAll();
  const inNode = await runAll(data);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 });
  try {
    const page = await browser.newPage();
    const requests = [];
    await page.route('**/*', (route) => {
      requests.push(route.request().url());
      return route.abort();
    });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setContent('<!doctype html><meta charset="utf-8"><title>GridLedger verifier</title>');
    await page.addScriptTag({ content: bundle });
    const api = await page.evaluate(() => Object.keys(globalThis.GridLedgerVerifier ?? {}).sort());
    for (const name of ['verifyReceipt', 'StaticChain', 'JsonRpcChain', 'canonicalize', 'verifyInclusion', 'vectors']) {
      assert.ok(api.includes(name), `the bundle exposes ${name}`);
    }
    const inPage = await page.evaluate((d) => globalThis.GridLedgerVerifier.vectors.runAll(d), data);
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, [], 'the page made no request');
    assert.deepEqual(Object.keys(inPage).sort(), Object.keys(inNode).sort());
    for (const key of Object.keys(inNode)) assert.deepEqual(inPage[key], inNode[key], `${key}: the page and Node differ`);
    if (data.verification) {
      for (const c of data.verification.cases) {
        assert.deepEqual(inPage.verification[c.name], { valid: c.expect.valid, check: c.expect.check }, c.name);
      }
    }
    if (inNode.rfc8785) assert.equal(inPage.rfc8785.es6numbers.bad, 0);
    const ua = await page.evaluate(() => navigator.userAgent);
    assert.match(ua, /Chrome\//);
  } finally {
    await browser.close();
  }
});
