// Sealed reads, the resident's side (docs/spec/access-log.md §L-5), ported from ledger/seals.py:
// what a stub is, the seal of an opened document, the date a seal opens (its own, or a later
// extension's), and Python's reading of a time (datetime.fromisoformat, as CPython 3.11's C
// implementation parses it), so a date the Python check accepts or refuses is accepted or refused
// here too.

import { sha256 } from '@noble/hashes/sha2.js';
import { concat, toHex, utf8 } from '../../../verifier-js/src/bytes.js';
import { JcsError, canonicalBytes } from '../../../verifier-js/src/jcs.js';
import { Malformed, get, has, isObject, member, pyEqual, pyStr, pyStrip } from './py.js';

export const SEAL_ACTION = 'sealed';
export const EXTEND_ACTION = 'extend';
const US = 1_000_000n; // microseconds in a second
export const MAX_SEAL_US = 730n * 86400n * US; // two years (730 days)
export const OPENING_GRACE_S = 15 * 60;
const DOMAIN = utf8('gridledger-seal-v1\x00');
const STUB_MEMBERS = ['idx', 'at', 'action', 'sealed_until', 'subject_keys', 'seal'];

/** Python's ValueError from parse_time: not a date or time. */
export class TimeError extends Error {}

// ---------------------------------------------------------------- times

const DAYS_BEFORE_YEAR = (y) => {
  const p = BigInt(y - 1);
  return p * 365n + p / 4n - p / 100n + p / 400n;
};
const isLeap = (y) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysIn = (y, m) => (m === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[m]);
const daysBeforeMonth = (y, m) => {
  let d = 0;
  for (let k = 1; k < m; k++) d += daysIn(y, k);
  return d;
};
/** Proleptic Gregorian ordinal, 0001-01-01 is 1 (Python's toordinal). */
const ordinal = (y, m, d) => DAYS_BEFORE_YEAR(y) + BigInt(daysBeforeMonth(y, m) + d);
const EPOCH_ORDINAL = ordinal(1970, 1, 1);
const MIN_US = (ordinal(1, 1, 1) - EPOCH_ORDINAL) * 86400n * US;
const MAX_US = (ordinal(9999, 12, 31) - EPOCH_ORDINAL + 1n) * 86400n * US - 1n;

function fromOrdinal(n) {
  // the (year, month, day) of ordinal n (n >= 1)
  let y = Number((n * 400n) / 146097n) + 1;
  while (ordinal(y, 1, 1) > n) y--;
  while (ordinal(y + 1, 1, 1) <= n) y++;
  let rest = Number(n - ordinal(y, 1, 1));
  let m = 1;
  while (rest >= daysIn(y, m)) rest -= daysIn(y, m++);
  return [y, m, rest + 1];
}

const DIGIT = (b) => b !== undefined && b >= 0x30 && b <= 0x39;

function digits(b, pos, n) {
  // parse_digits: exactly n ASCII digits at pos, or null
  let v = 0;
  for (let i = 0; i < n; i++) {
    if (!DIGIT(b[pos + i])) return null;
    v = v * 10 + (b[pos + i] - 0x30);
  }
  return v;
}

function separatorAt(b) {
  const len = b.length;
  if (len === 7) return 7;
  const dash = 0x2d;
  const W = 0x57;
  if (b[4] === dash) {
    if (b[5] === W) {
      if (len > 8 && b[8] === dash) {
        if (len === 9) throw new TimeError('Invalid ISO string');
        if (len > 10 && DIGIT(b[10])) return 8;
        return 10;
      }
      return 8;
    }
    return 10;
  }
  if (b[4] === W) {
    let idx = 7;
    while (idx < len && DIGIT(b[idx])) idx++;
    if (idx < 9) return idx;
    return idx % 2 === 0 ? 7 : 8;
  }
  return 8;
}

function isoWeekToYmd(year, week, day) {
  if (!(year >= 1 && year <= 9999)) throw new TimeError('year out of range');
  if (!(week > 0 && week < 53)) {
    const first = Number(ordinal(year, 1, 1) % 7n);
    if (!(week === 53 && (first === 4 || (first === 3 && isLeap(year))))) throw new TimeError('invalid week');
  }
  if (!(day > 0 && day < 8)) throw new TimeError('invalid weekday');
  const jan4 = ordinal(year, 1, 4);
  const week1Monday = jan4 - ((jan4 + 6n) % 7n);
  return fromOrdinal(week1Monday + BigInt((week - 1) * 7 + (day - 1)));
}

function parseDate(b, len) {
  const year = digits(b, 0, 4);
  if (year === null) throw new TimeError('bad year');
  let p = 4;
  const sep = b[p] === 0x2d;
  if (sep) p++;
  if (b[p] === 0x57) {
    p++;
    const week = digits(b, p, 2);
    if (week === null) throw new TimeError('bad week');
    p += 2;
    let day = 1;
    if (p < len) {
      if (sep && b[p++] !== 0x2d) throw new TimeError('bad separator');
      day = digits(b, p, 1);
      if (day === null) throw new TimeError('bad weekday');
    }
    return isoWeekToYmd(year, week, day);
  }
  const month = digits(b, p, 2);
  if (month === null) throw new TimeError('bad month');
  p += 2;
  if (sep && b[p++] !== 0x2d) throw new TimeError('bad separator');
  const day = digits(b, p, 2);
  if (day === null) throw new TimeError('bad day');
  return [year, month, day];
}

const CORRECTION = [100000, 10000, 1000, 100, 10];

function hhmmssff(b, start, end) {
  // parse_hh_mm_ss_ff over b[start..end): [h, m, s, us, more] where more says the string goes on
  const vals = [0, 0, 0];
  let p = start;
  let hasSep = true;
  for (let i = 0; i < 3; i++) {
    const v = digits(b, p, 2);
    if (v === null) throw new TimeError('bad time');
    vals[i] = v;
    p += 2;
    const c = b[p++];
    if (i === 0) hasSep = c === 0x3a;
    if (p >= end) return [...vals, 0, c !== undefined];
    if (hasSep && c === 0x3a) continue;
    if (c === 0x2e || c === 0x2c) break;
    if (!hasSep) p--;
    else throw new TimeError('bad time separator');
  }
  // a fraction follows (or, as CPython reads it, whatever follows three components read in full)
  const toParse = Math.max(0, Math.min(end - p, 6));
  let us = digits(b, p, toParse);
  if (us === null) throw new TimeError('bad fraction');
  if (toParse > 0 && toParse < 6) us *= CORRECTION[toParse - 1]; // none: 0 (CPython multiplies 0 by garbage)
  p += toParse;
  while (DIGIT(b[p])) p++;
  return [...vals, us, b[p] !== undefined];
}

function parseTimePart(b, start) {
  const end = b.length;
  let tz = start;
  do {
    if (b[tz] === 0x5a || b[tz] === 0x2b || b[tz] === 0x2d) break;
  } while (++tz < end);
  const [h, m, s, us, more] = hhmmssff(b, start, tz);
  if (tz >= end) {
    if (more) throw new TimeError('trailing characters');
    return { h, m, s, us, offset: null };
  }
  if (b[tz] === 0x5a) {
    if (b[tz + 1] !== undefined) throw new TimeError('text after Z');
    return { h, m, s, us, offset: 0n };
  }
  const sign = b[tz] === 0x2d ? -1n : 1n;
  const [th, tm, ts, tus, tmore] = hhmmssff(b, tz + 1, end);
  if (tmore) throw new TimeError('bad zone');
  const offset = sign * (BigInt(th * 3600 + tm * 60 + ts) * US + BigInt(tus));
  if (offset <= -86400n * US || offset >= 86400n * US) throw new TimeError('zone offset out of range');
  return { h, m, s, us, offset };
}

/**
 * ledger/seals.py parse_time: an RFC 3339 time or a bare date (midnight UTC), as microseconds since
 * 1970 (a BigInt). TimeError where Python raises ValueError; Malformed where it raises otherwise
 * (a value that is not a string: `text.strip()` fails).
 */
export function parseTime(text) {
  if (typeof text !== 'string') throw new Malformed('a time is not a string');
  let s = pyStrip(text);
  const cps = Array.from(s);
  if (cps.length < 7) throw new TimeError('too short');
  // CPython replaces a lone surrogate where a separator may stand (7, 8 or 10) with 'T'
  const surrogate = [7, 8, 10].find((pos) => pos < cps.length && /^[\ud800-\udfff]$/.test(cps[pos]));
  if (surrogate !== undefined) {
    cps[surrogate] = 'T';
    s = cps.join('');
  }
  if (/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) throw new TimeError('not UTF-8');
  const b = utf8(s); // CPython parses the UTF-8 bytes
  const at = separatorAt(b);
  const [year, month, day] = parseDate(b, at);
  let t = { h: 0, m: 0, s: 0, us: 0, offset: null };
  if (b.length > at) {
    // the separator may be any character: skip its UTF-8 bytes, by its lead byte
    const lead = b[at];
    const skip = (lead & 0x80) === 0 ? 1 : (lead & 0xf0) === 0xe0 ? 3 : (lead & 0xf0) === 0xf0 ? 4 : 2;
    t = parseTimePart(b, at + skip);
  }
  if (!(year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month))) {
    throw new TimeError('day is out of range');
  }
  if (t.h > 23 || t.m > 59 || t.s > 59) throw new TimeError('time is out of range');
  const local = ((ordinal(year, month, day) - EPOCH_ORDINAL) * 86400n + BigInt(t.h * 3600 + t.m * 60 + t.s)) * US
    + BigInt(t.us);
  const utc = local - (t.offset ?? 0n);
  if (utc < MIN_US || utc > MAX_US) throw new TimeError('out of range in UTC'); // OverflowError in astimezone
  return utc;
}

/** Whether a seal (or an extension) dated `at` reaches no further than two years past it. */
export function withinReach(at, until) {
  let u;
  let a;
  try {
    u = parseTime(until); // Python evaluates the left side first
    a = parseTime(at);
  } catch (e) {
    if (e instanceof TimeError) return false;
    throw e;
  }
  if (a + MAX_SEAL_US > MAX_US) throw new Malformed('a date two years past the last representable one'); // OverflowError
  return u <= a + MAX_SEAL_US;
}

/** A time (seconds since 1970) as the log spells it: UTC, to the second, with Z. */
export function rfc3339(seconds) {
  return new Date(seconds * 1000).toISOString().slice(0, 19) + 'Z';
}

/** Python's ordering of strings (by code point, not UTF-16 unit). */
export function pyLess(a, b) {
  const x = Array.from(a, (c) => c.codePointAt(0));
  const y = Array.from(b, (c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] < y[i];
  return x.length < y.length;
}

// ---------------------------------------------------------------- seals

export function isStub(document) {
  return pyEqual(get(document, 'action'), SEAL_ACTION);
}

/** `0x` + the seal of an opened document: SHA-256("gridledger-seal-v1" 0x00 || JCS(opened)). */
export function sealOf(opened) {
  if (!isObject(opened)) throw new Malformed('an opened entry is not an object');
  let body;
  try {
    body = canonicalBytes(opened);
  } catch (e) {
    if (e instanceof JcsError) throw new Malformed('an opened entry is not canonical JSON');
    throw e;
  }
  return toHex(sha256(concat(DOMAIN, body)));
}

/** Why `opened` is not what the stub sealed (empty when it is). */
export function checkOpening(stub, opened) {
  const keys = Object.keys(stub);
  if (keys.length !== STUB_MEMBERS.length || !STUB_MEMBERS.every((k) => has(stub, k)) || !isStub(stub)) {
    return ['not a sealed entry'];
  }
  if (!pyEqual(sealOf(opened), stub.seal)) return ['the opened entry does not hash to its seal'];
  return ['idx', 'at', 'sealed_until', 'subject_keys']
    .filter((name) => !pyEqual(get(opened, name), stub[name]))
    .map((name) => `the opened entry's ${name} is not the sealed one's`);
}

/** When a sealed entry opens: its own date, or the latest `extend` entry's about it, whichever is later. */
export function effectiveUntil(stub, documents) {
  let until = pyStr(member(stub, 'sealed_until', 'a sealed entry'));
  for (const document of documents) {
    if (
      pyEqual(get(document, 'action'), EXTEND_ACTION)
      && pyEqual(get(document, 'outcome'), 'allowed')
      && pyEqual(get(document, 'sealed_idx'), member(stub, 'idx', 'a sealed entry'))
    ) {
      const other = pyStr(get(document, 'sealed_until'));
      if (pyLess(until, other)) until = other; // one spelling (rfc3339): text order is time order
    }
  }
  return until;
}
