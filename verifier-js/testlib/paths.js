// Where the tests find their data. Not a test file (node --test only runs test/).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = path.resolve(packageRoot, '..');
export const projectVectors = path.join(repoRoot, 'tests', 'vectors');
// Outside test data (RFC 6962 and RFC 8785 cases), beside the checkout, never copied into it.
export const sharedVectors = path.resolve(repoRoot, '..', 'shared', 'vectors');

export function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * The reason to skip tests that need `dir`, or null when it is there. Says so loudly on
 * stderr, once per directory, so a missing data set is never a silent pass.
 */
const warned = new Set();
export function missing(dir) {
  if (existsSync(dir)) return null;
  const reason = `OUTSIDE TEST DATA MISSING: ${dir} is absent, these vector tests are SKIPPED`;
  if (!warned.has(dir)) {
    warned.add(dir);
    process.stderr.write(`\n*** ${reason} ***\n\n`);
  }
  return reason;
}
