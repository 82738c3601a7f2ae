// Opens the blob store the config names: the local folder or the S3 bucket.
import type { RuntimeConfig } from './config.js';
import { createLocalStore } from './local-store.js';
import { createS3Store } from './s3-store.js';
import type { BlobStore } from './storage.js';

export function openBlobStore(cfg: RuntimeConfig): BlobStore {
  return cfg.storage.kind === 's3' ? createS3Store(cfg.storage) : createLocalStore(cfg.storage.path);
}
