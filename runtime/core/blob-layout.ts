// Where blobs live under a local store's root: blobs/<first two hex digits>/<sha256>, written
// first under tmp/ and renamed into place. One definition for the async store (storage.ts) and the
// blocking one the PDF threads use (storage-sync.ts), so both commit to the same names.
import { randomUUID } from 'node:crypto';
import path from 'node:path';

/** Uploads and results are the tenants' documents: only the runtime's own account reads them. */
export const BLOB_FILE_MODE = 0o600;
export const BLOB_DIR_MODE = 0o700;

export const tempDirOf = (root: string): string => path.join(root, 'tmp');

export function blobPathOf(root: string, sha256: string): string {
  if (!/^[a-f0-9]{64}$/.test(sha256)) throw new Error('bad content address');
  return path.join(root, 'blobs', sha256.slice(0, 2), sha256);
}

/** A fresh temp name for one write: unique, so concurrent writers never share a file. */
export const newTempPath = (root: string): string => path.join(tempDirOf(root), `${randomUUID()}.part`);
