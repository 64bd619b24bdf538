#!/usr/bin/env node
// A solc command line for py-solc-x, backed by the pinned npm `solc` (solcjs).
// It answers `--version` like native solc and compiles `--standard-json` from stdin,
// resolving imports from this folder's node_modules. solcjs's own CLI prints a banner
// before its JSON, which py-solc-x cannot parse; hence this shim.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const here = __dirname;

function findImports(importPath) {
  for (const base of [path.join(here, 'node_modules'), here]) {
    const candidate = path.resolve(base, importPath);
    if (candidate.startsWith(base) && fs.existsSync(candidate)) {
      return { contents: fs.readFileSync(candidate, 'utf8') };
    }
  }
  return { error: `File not found: ${importPath}` };
}

const args = process.argv.slice(2);
if (args.includes('--version')) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}
if (!args.includes('--standard-json')) {
  process.stderr.write('solc-shim: only --version and --standard-json are supported\n');
  process.exit(2);
}
const input = fs.readFileSync(0, 'utf8');
process.stdout.write(solc.compile(input, { import: findImports }));
