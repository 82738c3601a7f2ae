// The S3 client as the runtime uses it, and what its errors mean. Retries with backoff on 5xx,
// throttling and dropped connections are the SDK's standard retry strategy; what still fails
// after them is StoreUnavailableError (the API answers 503 with Retry-After, a job waits).
import { S3Client } from '@aws-sdk/client-s3';
import { StoreUnavailableError } from './storage.js';

export interface S3Settings {
  endpoint?: string;
  region: string;
  bucket: string;
  /** Key prefix, '' or ending in '/'. */
  prefix: string;
  forcePathStyle: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  /** Multipart part size in bytes (≥ 5 MiB); memory per upload is about (queueSize + 1) × this. */
  partSize: number;
  /** Parts of one upload in flight at once. */
  queueSize: number;
  /** Attempts per request, the first included. */
  maxAttempts: number;
}

export function createS3Client(s: S3Settings): S3Client {
  return new S3Client({
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    region: s.region,
    forcePathStyle: s.forcePathStyle,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    maxAttempts: s.maxAttempts,
    retryMode: 'standard',
    // Checksums only where S3 requires them: S3-compatible stores (Ceph RGW) reject streamed
    // bodies with the SDK's default trailing checksums. Integrity is checked by Content-MD5 and
    // the ETag of each write instead (s3-store.ts).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A store that does not accept a connection within 2 s counts as down (then retried).
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 60_000 },
  });
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const THROTTLING = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'ServiceUnavailable', 'TimeoutError', 'RequestTimeout']);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

/** The status the store answered with, or undefined when it did not answer. */
export function statusOf(err: unknown): number | undefined {
  return (err as SdkError)?.$metadata?.httpStatusCode;
}

export function isNotFound(err: unknown): boolean {
  const e = err as SdkError;
  return statusOf(err) === 404 || e?.name === 'NoSuchKey' || e?.name === 'NotFound';
}

/** True for errors that say the store is away or overloaded, not that the request was wrong. */
export function isStoreDown(err: unknown): boolean {
  const e = err as SdkError;
  if (!e || typeof e !== 'object') return false;
  const status = statusOf(err);
  if (status !== undefined && (status >= 500 || status === 429 || status === 408)) return true;
  if (e.$retryable?.throttling || THROTTLING.has(e.name ?? '')) return true;
  if (NETWORK_CODES.has(e.code ?? '') || NETWORK_CODES.has(e.name ?? '')) return true;
  // Errors without any answer (socket hang up, aborted connection) carry no status at all.
  return status === undefined && /socket hang up|ECONNREFUSED|ECONNRESET|connect ETIMEDOUT|timed? ?out/i.test(e.message ?? '');
}

/** Rethrows store outages as StoreUnavailableError, anything else as it is. */
export function asStoreError(err: unknown, what: string): Error {
  if (err instanceof StoreUnavailableError) return err;
  if (isStoreDown(err)) return new StoreUnavailableError(`object store unavailable (${what}): ${(err as Error).message || (err as SdkError).name}`);
  return err as Error;
}
