// Capacity records on disk: <state>/capacity/<time>-<source>.json, written by the capacity bench
// (`npm run bench -- --only capacity`) and `prodctl loadtest run`, read by `prodctl plan --users`. The seed record shipped in
// examples/capacity/ stands in only while the state folder has none.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pickNewestRecord, validateCapacityRecord, type CapacityRecord } from '../plan/capacity-record.js';

export interface FoundRecord {
  record: CapacityRecord;
  file: string;
  /** The shipped seed record, not one measured on this installation. */
  seed: boolean;
}

export function capacityDir(stateDir: string): string {
  return path.join(stateDir, 'capacity');
}

/** The shipped seed record, from the source tree or from dist/ of the installed package. */
export function seedRecordPath(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return ['../examples/capacity/seed-record.json', '../../examples/capacity/seed-record.json'].map((p) => path.resolve(here, p)).find((p) => existsSync(p));
}

export function writeCapacityRecord(stateDir: string, record: CapacityRecord): string {
  const dir = capacityDir(stateDir);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${record.measuredAt.replace(/[:.]/g, '-')}-${record.source}.json`);
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}

function readRecord(file: string): { record?: CapacityRecord; problem?: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return { problem: `${file}: ${(err as Error).message}` };
  }
  const errs = validateCapacityRecord(raw);
  return errs.length > 0 ? { problem: `${file}: ${errs.join('; ')}` } : { record: raw as CapacityRecord };
}

/** The newest valid record in the state folder (else the seed), and the files skipped as invalid. */
export function findNewestCapacityRecord(stateDir: string, seedFile = seedRecordPath()): { found?: FoundRecord; skipped: string[] } {
  const dir = capacityDir(stateDir);
  const skipped: string[] = [];
  const found: FoundRecord[] = [];
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  for (const f of files) {
    const r = readRecord(path.join(dir, f));
    if (r.record) found.push({ record: r.record, file: path.join(dir, f), seed: false });
    else skipped.push(r.problem!);
  }
  const newest = pickNewestRecord(found);
  if (newest || !seedFile) return { found: newest, skipped };
  const seed = readRecord(seedFile);
  if (seed.problem) skipped.push(seed.problem);
  return { found: seed.record ? { record: seed.record, file: seedFile, seed: true } : undefined, skipped };
}

/** Reads one record given by path (`plan --capacity-record FILE`). */
export function readCapacityRecordFile(file: string): FoundRecord {
  const r = readRecord(file);
  if (!r.record) throw new Error(r.problem);
  return { record: r.record, file, seed: false };
}
