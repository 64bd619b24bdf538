#!/usr/bin/env node
// Build the portal into dist/: the page, its script bundle (src/main.js and what it imports,
// the verifier's sources included), its styles and icon, and Swagger UI's assets for /docs.
// Everything comes from this repository and the pinned packages of package-lock.json: the
// gateway serves dist/ and nothing is fetched from a CDN.
//
//   node scripts/build.js           write dist/
//   node scripts/build.js --check   exit 1 when dist/ is missing or differs from the sources
//
// dist/ is not committed (the repository ignores dist/): ./scripts/bootstrap builds it.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const copied = {
  'index.html': 'src/index.html',
  'portal.css': 'src/portal.css',
  'favicon.svg': 'src/favicon.svg',
  'swagger/swagger-ui-bundle.js': 'node_modules/swagger-ui-dist/swagger-ui-bundle.js',
  'swagger/swagger-ui.css': 'node_modules/swagger-ui-dist/swagger-ui.css',
};

/** dist/'s files as {relative name: contents}, built in memory (deterministic for given sources). */
export async function outputs() {
  const bundle = await build({
    entryPoints: [path.join(root, 'src', 'main.js')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: ['es2022'],
    minify: true,
    legalComments: 'eof',
    logLevel: 'silent',
    absWorkingDir: root,
  });
  const out = { 'portal.js': Buffer.from(bundle.outputFiles[0].contents) };
  for (const [name, source] of Object.entries(copied)) out[name] = readFileSync(path.join(root, source));
  return out;
}

async function main(argv) {
  const out = await outputs();
  const dist = path.join(root, 'dist');
  if (argv.includes('--check')) {
    const stale = Object.entries(out).filter(([name, data]) => {
      const file = path.join(dist, name);
      return !existsSync(file) || !readFileSync(file).equals(data);
    });
    for (const [name] of stale) process.stderr.write(`build: portal/dist/${name} is missing or stale: run node portal/scripts/build.js\n`);
    return stale.length ? 1 : 0;
  }
  for (const [name, data] of Object.entries(out)) {
    mkdirSync(path.dirname(path.join(dist, name)), { recursive: true });
    writeFileSync(path.join(dist, name), data);
  }
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
    process.stderr.write(`build: ${e.message}\n`);
    process.exitCode = 2;
  });
}
