// Running bin/gridledger-verify.js as a user would, and small servers for it to talk to.
import { execFile } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { packageRoot } from './paths.js';

export const CLI = path.join(packageRoot, 'bin', 'gridledger-verify.js');

/** Run the CLI; resolves {code, stdout, stderr} (never rejects on a non-zero exit). */
export function runCli(args, opts = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024, ...opts }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** A JSON-RPC server on 127.0.0.1 answering with `handler(method, params)`; resolves {url, close}. */
export function fakeNode(handler) {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const msg = JSON.parse(body);
      const answer = handler(msg.method, msg.params);
      if (answer && answer.raw !== undefined) {
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
        res.end(answer.raw);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, ...answer }));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

/** A TCP port nothing listens on (bound, then released). */
export function freePort() {
  return new Promise((resolve) => {
    const s = http.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** One line on stderr, no stack trace. */
export function oneLine(stderr) {
  const lines = stderr.trim().split('\n');
  return lines.length === 1 && lines[0].startsWith('gridledger-verify: ') && !/\n\s+at /.test(stderr);
}
