// Loads every vector set into plain data, for src/vectorset.js's runAll (Node and the page).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { missing, projectVectors, readJson, sharedVectors } from './paths.js';

function jsonFilesByName(dir, prefix = '') {
  const out = {};
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) Object.assign(out, jsonFilesByName(p, `${prefix}${name}/`));
    else if (name.endsWith('.json')) out[`${prefix}${name}`] = readJson(p);
  }
  return out;
}

export function loadAll() {
  const data = {
    merkle: readJson(path.join(projectVectors, 'merkle.json')),
    records: readJson(path.join(projectVectors, 'records.json')),
  };
  const verification = path.join(projectVectors, 'verification.json');
  if (existsSync(verification)) data.verification = readJson(verification);
  const rfc6962 = path.join(sharedVectors, 'rfc6962');
  if (!missing(rfc6962)) {
    data.rfc6962 = {
      inclusion: jsonFilesByName(path.join(rfc6962, 'inclusion')),
      consistency: jsonFilesByName(path.join(rfc6962, 'consistency')),
    };
  }
  const rfc8785 = path.join(sharedVectors, 'rfc8785');
  if (!missing(rfc8785)) {
    const cases = {};
    for (const name of readdirSync(path.join(rfc8785, 'input')).filter((n) => n.endsWith('.json')).sort()) {
      cases[name] = { input: readFileSync(path.join(rfc8785, 'input', name), 'utf8') };
    }
    data.rfc8785 = { cases, es6numbers: readFileSync(path.join(rfc8785, 'es6numbers-100k.txt'), 'utf8') };
  }
  return data;
}
