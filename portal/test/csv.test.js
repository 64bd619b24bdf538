// The CSV import's parser and typing: quoted cells, CRLF, and ids kept as strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../src/pages/committee.js';
import { typedCell } from '../src/pages/schema_form.js';

test('quoted cells may hold commas, quotes and new lines; blank lines are dropped', () => {
  const rows = parseCsv('address,head,notes\r\n"Road 1, Block 2",Li,"said ""hello""\nthen left"\r\n\r\nRoad 3,王,\n');
  assert.deepEqual(rows, [['address', 'head', 'notes'], ['Road 1, Block 2', 'Li', 'said "hello"\nthen left'], ['Road 3', '王', '']]);
});

test('cells are typed by the schema: ids and phone numbers stay strings', () => {
  assert.equal(typedCell({ type: 'string' }, '110101199003071234'), '110101199003071234');
  assert.equal(typedCell({ type: 'string' }, '0123'), '0123');
  assert.equal(typedCell({ type: 'integer' }, ' 3 '), 3);
  assert.equal(typedCell({ type: 'boolean' }, '是'), true);
  assert.equal(typedCell({ type: 'boolean' }, 'false'), false);
  assert.deepEqual(typedCell({ type: 'array' }, 'a; b；c'), ['a', 'b', 'c']);
  assert.equal(typedCell({ type: 'string' }, '  '), undefined);
});
