/**
 * The message `type` and notice `action` tables the OpenAPI description (and /docs) carries are
 * docs/api.md's tables: the same codes with the same kind and meaning, and every constant of
 * shared/limits.ts has its row.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ACTION, MESSAGE_TYPE } from '../../shared/limits.js';
import { codeTablesMarkdown, MESSAGE_TYPE_ROWS, NOTICE_ACTION_ROWS } from '../../server/http/codeTables.js';
import { openApiDocument } from '../../server/http/openapi.js';

const doc = readFileSync(path.resolve(import.meta.dirname, '../../docs/api.md'), 'utf8');

/** Code → second cell of the table under `### heading` in docs/api.md. */
function docTable(heading: string): Map<number, string> {
  const start = doc.indexOf(`\n### ${heading}\n`);
  assert.ok(start >= 0, `docs/api.md has no "### ${heading}"`);
  const section = doc.slice(start + 1).split(/\n#{2,3} /)[0]!;
  const rows = new Map<number, string>();
  for (const [, code, second] of section.matchAll(/^\| (\d+) \| ([^|]+?) \|/gm)) rows.set(Number(code), second!);
  return rows;
}

describe('the code tables of the OpenAPI description', () => {
  it('have a row for every message type and notice action constant', () => {
    assert.deepEqual(Object.keys(MESSAGE_TYPE_ROWS).map(Number), Object.values(MESSAGE_TYPE).sort());
    assert.deepEqual(Object.keys(NOTICE_ACTION_ROWS).map(Number), Object.values(ACTION).sort());
  });

  it('say what docs/api.md says: message type kinds and notice action meanings', () => {
    const types = new Map(Object.entries(MESSAGE_TYPE_ROWS).map(([code, row]) => [Number(code), row.kind]));
    assert.deepEqual(types, docTable('Message types'));
    const actions = new Map(Object.entries(NOTICE_ACTION_ROWS).map(([code, row]) => [Number(code), row.meaning]));
    assert.deepEqual(actions, docTable('Notice actions'));
  });

  it('are in the description of /v1/openapi.json, row by row', () => {
    const description = (openApiDocument() as { info: { description: string } }).info.description;
    assert.ok(description.includes(codeTablesMarkdown()));
    for (const [code, row] of Object.entries(MESSAGE_TYPE_ROWS)) assert.ok(description.includes(`| ${code} | ${row.kind} |`));
    for (const [code, row] of Object.entries(NOTICE_ACTION_ROWS)) assert.ok(description.includes(`| ${code} | ${row.meaning} |`));
  });
});
