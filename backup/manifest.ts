// The manifest of a backup set: the one file that says a set exists and is complete. It is written
// LAST and atomically; it carries its own checksum so a flipped byte in it is caught too. The key
// never goes in here, only its fingerprint.
import { createHash } from 'node:crypto';
import { BackupError } from '../lib/errors.js';
import type { Compression } from './stream/compress.js';

export const MANIFEST_FORMAT = 1;
export type PartName = 'postgres' | 'redis' | 'files';
export const PART_NAMES: readonly PartName[] = ['postgres', 'redis', 'files'];

export interface ManifestFile {
  /** Store key, relative to the store root. */
  key: string;
  bytes: number;
  sha256: string;
  plainBytes: number;
  plainSha256: string;
}

export interface TableSum {
  rows: number;
  checksum: string;
}

export interface PostgresPart {
  format: 'custom';
  database: string;
  serverVersion: string;
  files: ManifestFile[];
  tables: Record<string, TableSum>;
  /** A pg_basebackup tar beside the dump (WAL archiving on): files[1], the start of point-in-time restores. */
  base?: BaseBackupInfo;
}

export interface RedisPart {
  serverVersion: string;
  /** Keys per database at the instant of BGSAVE, e.g. { db0: { keys: 12, expires: 2 } }. */
  keys: Record<string, { keys: number; expires: number }>;
  files: ManifestFile[];
}

export interface BlobEntry extends ManifestFile {
  /** Content address (sha256 of the plain file) as the runtime stores it. */
  address: string;
  /** Id of the set that first stored this blob (later sets reuse it). */
  storedBy: string;
}

export interface FilesPart {
  /** Number of blobs the database referenced at dump time; every one is in `files`. */
  referenced: number;
  newBlobs: number;
  files: BlobEntry[];
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  id: string;
  time: string;
  finishedAt: string;
  tool: { name: 'prodctl'; version: string };
  profileHash: string;
  compression: Compression;
  encryption: { cipher: 'aes-256-gcm-chunked'; keyFingerprint: string } | null;
  parts: { postgres?: PostgresPart; redis?: RedisPart; files?: FilesPart };
  durationMs: number;
  /** sha256 of the manifest JSON without this field. */
  checksum: string;
}

function canonicalBody(m: Omit<Manifest, 'checksum'>): string {
  return JSON.stringify(m);
}

export function sealManifest(m: Omit<Manifest, 'checksum'>): Manifest {
  return { ...m, checksum: createHash('sha256').update(canonicalBody(m)).digest('hex') };
}

/** Parses and checks a manifest's own checksum; throws naming the set when it does not hold. */
export function parseManifest(text: string, setId: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch {
    throw new BackupError(`set ${setId}: part manifest, file manifest.json is not valid JSON`, 'the manifest is corrupt; use another set');
  }
  const { checksum, ...body } = m;
  const actual = createHash('sha256').update(canonicalBody(body)).digest('hex');
  if (checksum !== actual) throw new BackupError(`set ${setId}: part manifest, file manifest.json checksum mismatch`, 'the manifest was changed or is corrupt; use another set');
  if (m.format !== MANIFEST_FORMAT) throw new BackupError(`set ${setId}: manifest format ${m.format} is not supported`, 'use a prodctl version that wrote it');
  return m;
}

/** Every stored file of a manifest with the part it belongs to. */
export function listManifestFiles(m: Manifest): { part: PartName; file: ManifestFile }[] {
  const out: { part: PartName; file: ManifestFile }[] = [];
  for (const part of PART_NAMES) for (const file of m.parts[part]?.files ?? []) out.push({ part, file });
  return out;
}

// Layout: <root>/<set id>/{manifest.json, verify.json, parts…} and <root>/blobs/<aa>/<sha>.
// `prodctl check` (checks/live/backup-probe.ts) reads <root>/<id>/manifest.json and verify.json.
export const setKey = (id: string, name = '') => `${id}/${name}`;
export const SET_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-z]+$/;
export const MANIFEST_NAME = 'manifest.json';
export const VERIFY_NAME = 'verify.json';
export const blobKey = (address: string) => `blobs/${address.slice(0, 2)}/${address}`;

/** Set ids sort by time: 20261128T154700Z-ab12. */
export function newSetId(now: Date, rand: string): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${rand}`;
}

export interface BaseBackupInfo {
  format: 'tar';
  /** Store key of the tar (also listed in the part's files, so checksums cover it). */
  key: string;
  timeline: number;
  startLsn: string;
  stopLsn: string;
  /** First WAL segment a restore of this base backup needs. */
  startWal: string;
  /** Last WAL segment it needs before it is consistent. */
  stopWal: string;
  walSegmentSize: number;
  startTime: string;
  /** A restore to any time at or after this one can start from this base backup. */
  stopTime: string;
}
