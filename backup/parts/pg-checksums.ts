// Row counts and an order-independent checksum per table, computed inside the dump's snapshot
// at backup time and again after a restore. The sum of 64-bit row hashes needs no sort, so it
// streams through any table size with constant memory.
import type pg from 'pg';
import type { TableSum } from '../manifest.js';

/** Session settings that make row text identical across servers and sessions. */
export const STABLE_TEXT_SETTINGS = [
  "SET TimeZone = 'UTC'",
  "SET DateStyle = 'ISO, YMD'",
  "SET IntervalStyle = 'postgres'",
  'SET extra_float_digits = 3',
  "SET bytea_output = 'hex'",
];

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

export function tableChecksumSql(schema: string, table: string): string {
  return `SELECT count(*)::bigint AS rows, coalesce(sum(hashtextextended(t::text, 0)), 0)::text AS checksum FROM ${quoteIdent(schema)}.${quoteIdent(table)} t`;
}

export async function listUserTables(db: pg.ClientBase): Promise<{ schema: string; table: string }[]> {
  const r = await db.query<{ schema: string; table: string }>(
    `SELECT n.nspname AS schema, c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
     ORDER BY 1, 2`,
  );
  return r.rows;
}

export async function computeTableSums(db: pg.ClientBase): Promise<Record<string, TableSum>> {
  for (const s of STABLE_TEXT_SETTINGS) await db.query(s);
  const out: Record<string, TableSum> = {};
  for (const t of await listUserTables(db)) {
    const r = await db.query<{ rows: string; checksum: string }>(tableChecksumSql(t.schema, t.table));
    out[`${t.schema}.${t.table}`] = { rows: Number(r.rows[0].rows), checksum: r.rows[0].checksum };
  }
  return out;
}

/** Differences between expected and actual table sums, one line each; empty when equal. */
export function diffTableSums(expected: Record<string, TableSum>, actual: Record<string, TableSum>): string[] {
  const problems: string[] = [];
  for (const [name, e] of Object.entries(expected)) {
    const a = actual[name];
    if (!a) problems.push(`table ${name} is missing`);
    else if (a.rows !== e.rows) problems.push(`table ${name}: ${a.rows} rows, expected ${e.rows}`);
    else if (a.checksum !== e.checksum) problems.push(`table ${name}: checksum differs`);
  }
  for (const name of Object.keys(actual)) if (!expected[name]) problems.push(`table ${name} is not in the backup`);
  return problems;
}
