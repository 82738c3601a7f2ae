// The backup target. Everything above this interface speaks in keys ("<id>/manifest.json",
// "blobs/ab/<sha>"), so an S3 store can follow without any change elsewhere.
import type { Readable, Writable } from 'node:stream';

export interface StoreWriter {
  stream: Writable;
  /** Makes the object visible under its key (rename / complete multipart). Call after the stream finished. */
  commit(): Promise<void>;
  /** Drops a half-written object. */
  abort(): Promise<void>;
}

export interface BackupStore {
  /** Human description for messages, e.g. "local folder /var/backups/prodctl". */
  readonly description: string;
  /** Immediate child names under a prefix ("" → set ids and "blobs"). */
  listChildren(prefix: string): Promise<string[]>;
  exists(key: string): Promise<boolean>;
  size(key: string): Promise<number>;
  openWriter(key: string): Promise<StoreWriter>;
  openReader(key: string): Readable;
  readText(key: string): Promise<string | null>;
  /** Whole-object atomic write: readers see the old object or the new one, never a part. */
  writeTextAtomic(key: string, text: string): Promise<void>;
  remove(key: string): Promise<void>;
  /** Removes every object under a prefix. */
  removePrefix(prefix: string): Promise<void>;
}
