// Data access for files, jobs and the audit trail: plain SQL, one function per question.
import type pg from 'pg';
import type { JobOp, JobState } from '../../contract/index.js';
import { namedStatement } from './db.js';

type Db = Pick<pg.Pool, 'query'>;

export interface FileRow {
  id: string;
  user_id: string;
  sha256: string;
  bytes: number;
  pages: number | null;
  filename: string | null;
  created_at: Date;
}

export interface JobRow {
  id: string;
  user_id: string;
  op: JobOp;
  inputs: string[];
  params: Record<string, unknown>;
  state: JobState;
  progress: number;
  attempts: number;
  error: string | null;
  result: string[];
  info: Record<string, unknown> | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const FILE_COLS = 'id, user_id, sha256, bytes::float8 AS bytes, pages, filename, created_at';
/** Prefix for an INSERT INTO files whose $2 is the sha256: the content is referenced again. */
const CLEAR_TOMBSTONE = 'WITH cleared AS (DELETE FROM blob_tombstones WHERE sha256 = $2)';

const INSERT_UPLOADED_FILE = namedStatement(
  'insert-uploaded-file',
  `${CLEAR_TOMBSTONE}, inserted AS (INSERT INTO files (user_id, sha256, bytes, pages, filename) VALUES ($1, $2, $3, $4, $5) RETURNING ${FILE_COLS}),
        logged AS (INSERT INTO audit (user_id, action, subject, detail) SELECT user_id, 'file.upload', id::text, jsonb_build_object('bytes', $3::bigint) FROM inserted)
   SELECT * FROM inserted`,
);

/**
 * An upload: the file row and its audit entry in one statement, so one commit (one WAL flush)
 * per upload instead of two. Content coming back clears its tombstone in the same statement, so
 * the sweeper leaves it alone.
 */
export async function insertUploadedFile(db: Db, f: { userId: string; sha256: string; bytes: number; pages: number | null; filename: string | null }): Promise<FileRow> {
  const r = await db.query(INSERT_UPLOADED_FILE([f.userId, f.sha256, f.bytes, f.pages, f.filename]));
  return r.rows[0];
}

/** A user's file, or null for missing and for someone else's alike (callers answer 404). */
export async function getFile(db: Db, userId: string, id: string): Promise<FileRow | null> {
  const r = await db.query(`SELECT ${FILE_COLS} FROM files WHERE id = $1 AND user_id = $2`, [id, userId]);
  return r.rows[0] ?? null;
}

const GET_OWNED_INPUTS = namedStatement('get-owned-inputs', 'SELECT id, sha256, bytes::float8 AS bytes FROM files WHERE user_id = $1 AND id = ANY($2::uuid[])');

/** A user's files among `ids`, by id (someone else's and missing ones are absent). */
export async function getOwnedInputs(db: Db, userId: string, ids: string[]): Promise<Map<string, InputFile>> {
  const r = await db.query(GET_OWNED_INPUTS([userId, ids]));
  return new Map(r.rows.map((f: InputFile) => [f.id, f]));
}

/** Bytes stored per user, for several users in one query (users without files are absent). */
export async function getUsageBytesOf(db: Db, userIds: string[]): Promise<Map<string, number>> {
  const r = await db.query('SELECT user_id, sum(bytes)::float8 AS n FROM files WHERE user_id = ANY($1::uuid[]) GROUP BY user_id', [userIds]);
  return new Map(r.rows.map((row: { user_id: string; n: number }) => [row.user_id, row.n]));
}

/**
 * Deletes the row. When no other row points at the blob, the blob gets a tombstone instead of
 * being removed: it stays on disk for the grace period (see blob-sweeper.ts). One round trip;
 * the CTE sees the table as before the DELETE, hence `id <> $1`.
 */
export async function deleteFile(db: Db, userId: string, id: string): Promise<{ deleted: boolean; tombstoned: boolean }> {
  const r = await db.query(
    `WITH gone AS (DELETE FROM files WHERE id = $1 AND user_id = $2 RETURNING sha256),
          marked AS (INSERT INTO blob_tombstones (sha256)
                     SELECT sha256 FROM gone WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.sha256 = gone.sha256 AND f.id <> $1)
                     ON CONFLICT (sha256) DO UPDATE SET deleted_at = now() RETURNING sha256)
     SELECT (SELECT count(*) FROM gone)::int AS deleted, (SELECT count(*) FROM marked)::int AS tombstoned`,
    [id, userId],
  );
  return { deleted: r.rows[0].deleted > 0, tombstoned: r.rows[0].tombstoned > 0 };
}

/** A blob is referenced while a file row points at it or it waits out its grace period. */
export async function blobReferenced(db: Db, sha: string): Promise<boolean> {
  const r = await db.query('SELECT EXISTS (SELECT 1 FROM files WHERE sha256 = $1) OR EXISTS (SELECT 1 FROM blob_tombstones WHERE sha256 = $1) AS used', [sha]);
  return r.rows[0].used;
}

const JOB_COLS = 'id, user_id, op, inputs, params, state, progress, attempts, error, result, info, created_at, started_at, finished_at';

const INSERT_JOB = namedStatement(
  'insert-job',
  `WITH inserted AS (INSERT INTO jobs (user_id, op, inputs, params, idempotency_key) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING ${JOB_COLS}),
        logged AS (INSERT INTO audit (user_id, action, subject, detail) SELECT user_id, 'job.create', id::text, jsonb_build_object('op', op) FROM inserted)
   SELECT * FROM inserted`,
);

/**
 * Inserts a job and its audit entry in one statement (one transaction), before anything is
 * queued: once this returns, the job exists for good, and if it fails, it does not exist at all.
 * With an idempotency key, a retried POST gets the existing job back.
 */
export async function insertJob(
  db: Db,
  j: { userId: string; op: JobOp; inputs: string[]; params: unknown; idempotencyKey: string | null },
): Promise<{ job: JobRow; created: boolean }> {
  const r = await db.query(INSERT_JOB([j.userId, j.op, j.inputs, JSON.stringify(j.params ?? {}), j.idempotencyKey]));
  if (r.rows[0]) return { job: r.rows[0], created: true };
  // Only a key can conflict (NULL keys never do), so the existing job is there to read.
  return { job: (await findJobByIdempotencyKey(db, j.userId, j.idempotencyKey!))!, created: false };
}

export async function findJobByIdempotencyKey(db: Db, userId: string, key: string): Promise<JobRow | null> {
  const r = await db.query(`SELECT ${JOB_COLS} FROM jobs WHERE user_id = $1 AND idempotency_key = $2`, [userId, key]);
  return r.rows[0] ?? null;
}

const GET_JOB = namedStatement('get-job', `SELECT ${JOB_COLS} FROM jobs WHERE id = $1`);
const GET_JOBS = namedStatement('get-jobs', `SELECT ${JOB_COLS} FROM jobs WHERE id = ANY($1::uuid[])`);

export async function getJobById(db: Db, id: string): Promise<JobRow | null> {
  const r = await db.query(GET_JOB([id]));
  return r.rows[0] ?? null;
}

/** Jobs by id (missing ids are absent): one query for the status reads of one turn. */
export async function getJobsByIds(db: Db, ids: string[]): Promise<Map<string, JobRow>> {
  const r = await db.query(GET_JOBS([ids]));
  return new Map(r.rows.map((j: JobRow) => [j.id, j]));
}

/** An input of a claimed job, as far as the worker needs it. */
export interface InputFile {
  id: string;
  sha256: string;
  bytes: number;
}

/**
 * Marks a queued (or stalled active) job active for this attempt and returns it with its input
 * files, in one round trip (a worker claims every job, and the files lookup was a second statement
 * each time). Null when the job is missing or already finished; inputs deleted meanwhile are absent
 * from `inputs`.
 */
const CLAIM_JOB = namedStatement(
  'claim-job',
  `WITH claimed AS (
     UPDATE jobs SET state = 'active', attempts = $2, started_at = coalesce(started_at, now()), progress = 0
      WHERE id = $1 AND state IN ('queued', 'active') RETURNING ${JOB_COLS})
   SELECT claimed.*, f.id AS input_id, f.sha256 AS input_sha256, f.bytes::float8 AS input_bytes
     FROM claimed LEFT JOIN files f ON f.id = ANY(claimed.inputs)`,
);

export async function claimJob(db: Db, id: string, attempt: number): Promise<{ job: JobRow; inputs: InputFile[] } | null> {
  const r = await db.query(CLAIM_JOB([id, attempt]));
  if (!r.rows.length) return null;
  const { input_id: _id, input_sha256: _sha, input_bytes: _bytes, ...job } = r.rows[0];
  const inputs = r.rows.filter((row) => row.input_id !== null).map((row) => ({ id: row.input_id, sha256: row.input_sha256, bytes: row.input_bytes }));
  return { job: job as JobRow, inputs };
}

/** The first of these file ids that no longer has a row, or null. */
export async function findMissingFile(db: Db, ids: string[]): Promise<string | null> {
  const r = await db.query('SELECT i::text AS id FROM unnest($1::uuid[]) AS i WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.id = i) LIMIT 1', [ids]);
  return r.rows[0]?.id ?? null;
}

/**
 * A first attempt runs without a claim (see processor.ts) and is recorded as active only once it
 * has run `JOB_ACTIVE_AFTER_MS`; `started_at` is then back-dated by the attempt's own clock, so a
 * worker's clock skew never shows in the timings.
 */
const MARK_JOB_ACTIVE = namedStatement(
  'mark-job-active',
  `UPDATE jobs SET state = 'active', attempts = $2, started_at = coalesce(started_at, now() - make_interval(secs => $3)), progress = 0
    WHERE id = $1 AND state IN ('queued', 'active')`,
);

export async function markJobActive(db: Db, id: string, attempt: number, runningSeconds: number): Promise<void> {
  await db.query(MARK_JOB_ACTIVE([id, attempt, runningSeconds]));
}

// 'queued' too: an attempt that failed before it was recorded as active still leaves its error.
const MARK_JOB_RETRYING = namedStatement(
  'mark-job-retrying',
  `UPDATE jobs SET state = 'queued', error = $2, attempts = $3 WHERE id = $1 AND state IN ('queued', 'active')`,
);
const MARK_JOB_FAILED = namedStatement(
  'mark-job-failed',
  `UPDATE jobs SET state = 'failed', error = $2, attempts = $3, finished_at = now(), started_at = coalesce(started_at, now() - make_interval(secs => $4))
    WHERE id = $1 AND state <> 'completed'`,
);

/** Back to queued after a retryable failure: the error stays visible until the next attempt. */
export async function markJobRetrying(db: Db, id: string, error: string, attempts: number): Promise<void> {
  await db.query(MARK_JOB_RETRYING([id, error, attempts]));
}

/** `runningSeconds`: how long the last attempt ran (back-dates started_at if it was never set). */
export async function markJobFailed(db: Db, id: string, error: string, attempts: number, runningSeconds: number): Promise<void> {
  await db.query(MARK_JOB_FAILED([id, error, attempts, runningSeconds]));
}

const INSERT_AUDIT = namedStatement('insert-audit', 'INSERT INTO audit (user_id, action, subject, detail) VALUES ($1, $2, $3, $4)');

export async function audit(db: Db, userId: string | null, action: string, subject: string | null, detail: Record<string, unknown> = {}): Promise<void> {
  await db.query(INSERT_AUDIT([userId, action, subject, JSON.stringify(detail)]));
}

/** A job Postgres still expects to run, as the reconciler compares it with the queue. */
export interface UnsettledJob {
  id: string;
  op: JobOp;
  state: 'queued' | 'active';
}

/**
 * Queued jobs created, and active jobs started, more than `graceSeconds` ago: the oldest first, at
 * most `limit` of each. Two partial indexes serve the two halves.
 */
export async function findUnsettledJobs(db: Db, graceSeconds: number, limit: number): Promise<UnsettledJob[]> {
  const r = await db.query(
    `(SELECT id, op, state FROM jobs WHERE state = 'queued' AND created_at < now() - make_interval(secs => $1) ORDER BY created_at LIMIT $2)
     UNION ALL
     (SELECT id, op, state FROM jobs WHERE state = 'active' AND started_at < now() - make_interval(secs => $1) ORDER BY started_at LIMIT $2)`,
    [graceSeconds, limit],
  );
  return r.rows;
}

/** Of these ids, those still queued or active now. */
export async function filterUnsettled(db: Db, ids: string[]): Promise<Set<string>> {
  const r = await db.query(`SELECT id FROM jobs WHERE id = ANY($1::uuid[]) AND state IN ('queued', 'active')`, [ids]);
  return new Set(r.rows.map((row: { id: string }) => row.id));
}
