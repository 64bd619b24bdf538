#!/usr/bin/env node
// Build the browser bundle: dist/gridledger-verifier.js (an IIFE defining the global
// `GridLedgerVerifier`) and dist/gridledger-verifier.mjs (an ES module), from src/index.js.
//
//   node scripts/build.js            write dist/
//   node scripts/build.js --check    exit 1 when dist/ is missing or differs from the sources
//
// dist/ is not committed (the repository ignores dist/): ./scripts/bootstrap builds it when a
// source is newer, and the browser test builds its own copy in memory from the sources.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The bundles as {file name: text}, built in memory (deterministic for given sources). */
export async function bundles() {
  const common = {
    entryPoints: [path.join(root, 'src', 'index.js')],
    bundle: true,
    write: false,
    platform: 'browser',
    target: ['es2022'],
    legalComments: 'eof',
    logLevel: 'silent',
    absWorkingDir: root,
  };
  const iife = await build({ ...common, format: 'iife', globalName: 'GridLedgerVerifier' });
  const esm = await build({ ...common, format: 'esm' });
  return {
    'gridledger-verifier.js': iife.outputFiles[0].text,
    'gridledger-verifier.mjs': esm.outputFiles[0].text,
  };
}

async function main(argv) {
  const out = await bundles();
  const dist = path.join(root, 'dist');
  if (argv.includes('--check')) {
    const stale = Object.entries(out).filter(([name, text]) => {
      const file = path.join(dist, name);
      return !existsSync(file) || readFileSync(file, 'utf8') !== text;
    });
    for (const [name] of stale) process.stderr.write(`build: dist/${name} is missing or stale: run npm run build\n`);
    return stale.length ? 1 : 0;
  }
  mkdirSync(dist, { recursive: true });
  for (const [name, text] of Object.entries(out)) writeFileSync(path.join(dist, name), text);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
    process.stderr.write(`build: ${e.message}\n`);
    process.exitCode = 2;
  });
}
