#!/usr/bin/env node
// gridledger-verify: GridLedger's independent verifier on the command line.
//
//   gridledger-verify vectors FILE [--compare]
//       every case of a gridledger-vectors/1 file, as one JSON object on stdout:
//       {"<case name>": {"valid": true|false, "check": "<code>"|null}, ...}
//       --compare: also compare with each case's "expect"; exit 1 when any differs.
//   gridledger-verify verify RECORD.json RECEIPT.json --rpc URL --address-book BOOK.json [--json]
//   gridledger-verify verify --receipt-only RECEIPT.json --rpc URL --address-book BOOK.json [--json]
//       verify a record (a gridledger-disclosure/1 file) and its receipt against a chain node,
//       printing each check; --json prints the verdict as JSON instead.
//
// Exit codes: 0 valid (or vectors ran), 1 invalid, 2 bad input (a missing file, a file that is
// not JSON or not a receipt/disclosure at all: checks json and format), an unreadable address
// book, an unreachable node or the wrong chain (one line on stderr, no stack trace).

import { readFileSync, statSync } from 'node:fs';
import process from 'node:process';

import { readAddressBook, CheckFailure } from '../src/documents.js';
import { JsonRpcChain, ChainError } from '../src/chain.js';
import { verifyReceipt, WrongChainError } from '../src/verify.js';
import { runVerification, VectorFileError } from '../src/vectorset.js';

const USAGE = `usage:
  gridledger-verify vectors FILE [--compare]
  gridledger-verify verify RECORD.json RECEIPT.json --rpc URL --address-book BOOK.json [--json]
  gridledger-verify verify --receipt-only RECEIPT.json --rpc URL --address-book BOOK.json [--json]`;
const MAX_FILE = 64 * 1024 * 1024;

class BadInput extends Error {}

function readInput(file, what) {
  let size;
  try {
    size = statSync(file).size;
  } catch (e) {
    throw new BadInput(`cannot read the ${what} ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.code ?? e.message}`);
  }
  if (size > MAX_FILE) throw new BadInput(`the ${what} ${file} is larger than ${MAX_FILE / 1024 / 1024} MiB`);
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new BadInput(`cannot read the ${what} ${file}: ${e.code ?? e.message}`);
  }
}

function parseArgs(argv, spec) {
  // spec: {flags: Set of boolean flags, options: Set of options taking a value}
  const positional = [];
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
      if (spec.flags.has(name)) {
        if (inline !== undefined) throw new BadInput(`--${name} takes no value`);
        opts[name] = true;
      } else if (spec.options.has(name)) {
        const value = inline ?? argv[++i];
        if (value === undefined) throw new BadInput(`--${name} needs a value`);
        opts[name] = value;
      } else {
        throw new BadInput(`unknown option --${name}\n${USAGE}`);
      }
    } else {
      positional.push(a);
    }
  }
  return { positional, opts };
}

async function cmdVectors(argv) {
  const { positional, opts } = parseArgs(argv, { flags: new Set(['compare']), options: new Set() });
  if (positional.length !== 1) throw new BadInput(`vectors takes one FILE\n${USAGE}`);
  const bytes = readInput(positional[0], 'vector file');
  let vectors;
  try {
    // The vector file is test data, not a document under verification: its cases hold the
    // documents as texts (§T-1), which the verifier parses strictly itself.
    vectors = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new BadInput(`the vector file ${positional[0]} is not UTF-8 JSON`);
  }
  let out;
  try {
    out = await runVerification(vectors);
  } catch (e) {
    if (e instanceof VectorFileError || e instanceof ChainError || e instanceof WrongChainError) throw new BadInput(e.message);
    throw e;
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  if (!opts.compare) return 0;
  let differ = 0;
  for (const c of vectors.cases) {
    const want = { valid: c.expect?.valid, check: c.expect?.check ?? null };
    const got = out[c.name];
    if (got.valid !== want.valid || got.check !== want.check) {
      differ++;
      process.stderr.write(`differs: ${c.name}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}\n`);
    }
  }
  process.stderr.write(`${vectors.cases.length - differ} of ${vectors.cases.length} cases as expected\n`);
  return differ ? 1 : 0;
}

function localTime(seconds) {
  const d = new Date(seconds * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
    + `${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

async function cmdVerify(argv) {
  const { positional, opts } = parseArgs(argv, {
    flags: new Set(['json', 'receipt-only']),
    options: new Set(['rpc', 'address-book', 'timeout']),
  });
  const want = opts['receipt-only'] ? 1 : 2;
  if (positional.length !== want) {
    throw new BadInput(`verify takes ${opts['receipt-only'] ? 'RECEIPT.json with --receipt-only' : 'RECORD.json RECEIPT.json'}\n${USAGE}`);
  }
  if (!opts.rpc) throw new BadInput('verify needs --rpc URL (a chain node you chose)');
  if (!opts['address-book']) throw new BadInput('verify needs --address-book BOOK.json (your own, never the receipt\'s)');
  let url;
  try {
    url = new URL(opts.rpc);
  } catch {
    throw new BadInput('--rpc is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BadInput('--rpc must be an http:// or https:// URL');
  const timeout = opts.timeout === undefined ? 15 : Number(opts.timeout);
  if (!(timeout > 0 && timeout <= 600)) throw new BadInput('--timeout must be seconds from 0 to 600');

  let book;
  try {
    book = readAddressBook(readInput(opts['address-book'], 'address book'));
  } catch (e) {
    if (e instanceof CheckFailure) throw new BadInput(`the address book ${opts['address-book']} is not valid (${e.check}): ${e.reason}`);
    throw e;
  }
  const disclosure = want === 2 ? readInput(positional[0], 'record') : null;
  const receipt = readInput(positional[want - 1], 'receipt');
  const chain = new JsonRpcChain(url.href, book, { timeoutMs: timeout * 1000 });
  let v;
  try {
    v = await verifyReceipt({ receipt, disclosure, addressBook: book, chain });
  } catch (e) {
    if (e instanceof ChainError || e instanceof WrongChainError) throw new BadInput(e.message);
    throw e;
  }
  // Not JSON or not a receipt/disclosure at all: the user gave the wrong file (§V, exit 2).
  const wrongFile = !v.valid && (v.check === 'json' || v.check === 'format');
  if (opts.json) {
    process.stdout.write(JSON.stringify(v, null, 2) + '\n');
    return v.valid ? 0 : wrongFile ? 2 : 1;
  }
  if (wrongFile) {
    const which = v.reason.startsWith('disclosure') ? `the record ${positional[0]}` : `the receipt ${positional[want - 1]}`;
    throw new BadInput(`${which} is not ${v.check === 'json' ? 'a JSON document GridLedger accepts' : 'a document of a format this verifier implements'}: ${v.reason}`);
  }
  for (const c of v.checks) {
    process.stdout.write(`${c.status.toUpperCase().padEnd(4)}  ${c.check.padEnd(18)}  ${c.reason}\n`);
  }
  for (const n of v.notes) process.stdout.write(`note  ${n}\n`);
  if (v.valid) {
    const p = v.proved;
    const what = p.fields === null
      ? 'only the entry is proven (no record given)'
      : `${p.complete ? `all ${p.field_count} fields` : 'fields'} proven: ${p.fields.map((f) => JSON.stringify(f)).join(', ')}`;  // §D-3: a partial disclosure's field_count is not proven
    const kind = p.type_version === null ? p.type : `${p.type} (type version ${p.type_version})`;
    process.stdout.write(`VALID  record ${p.record_id} version ${p.version}, type ${kind}, owner ${p.org}, `
      + `committed by ${p.committer}, anchored in block ${p.block_number} at ${localTime(p.anchored_at)}; ${what}\n`);
    return 0;
  }
  process.stdout.write(`INVALID  (${v.check}) ${v.reason}\n`);
  return 1;
}

async function main(argv) {
  const [command, ...rest] = argv;
  if (command === 'vectors') return cmdVectors(rest);
  if (command === 'verify') return cmdVerify(rest);
  if (command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  throw new BadInput(command === undefined ? USAGE : `unknown command ${JSON.stringify(command)}\n${USAGE}`);
}

// Exit once stdout is flushed, without waiting for an idle keep-alive connection to the node.
const finish = (code) => {
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
};

main(process.argv.slice(2)).then(
  finish,
  (e) => {
    if (e instanceof BadInput) {
      process.stderr.write(`gridledger-verify: ${e.message}\n`);
    } else {
      process.stderr.write(`gridledger-verify: internal error: ${e?.message ?? e}\n`);
      if (process.env.GRIDLEDGER_VERIFY_DEBUG) process.stderr.write(`${e?.stack}\n`);
    }
    finish(2);
  },
);
