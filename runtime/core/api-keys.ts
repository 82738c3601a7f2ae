// API keys for service accounts: `pdk_<random>`, shown once, stored only as an HMAC-SHA256 with a
// server-side pepper (a stolen table alone cannot be used to check guesses offline).
import { createHmac, randomBytes } from 'node:crypto';
import type pg from 'pg';

export const API_KEY_PREFIX = 'pdk_';

export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string, pepper: string): string {
  return createHmac('sha256', pepper).update(key).digest('hex');
}

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(API_KEY_PREFIX) && value.length >= API_KEY_PREFIX.length + 20 && value.length <= 200;
}

export interface ApiKeyRow {
  id: string;
  user: string;
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

type Db = Pick<pg.Pool, 'query'>;

/** Creates the user if needed and stores a new key's hash; returns the key (only time it exists). */
export async function createApiKey(db: Db, userName: string, pepper: string): Promise<{ id: string; userId: string; key: string; prefix: string }> {
  const key = generateApiKey();
  const prefix = key.slice(0, API_KEY_PREFIX.length + 6);
  const user = await db.query(
    `INSERT INTO users (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [userName],
  );
  const userId = user.rows[0].id as string;
  const r = await db.query('INSERT INTO api_keys (user_id, prefix, key_hash) VALUES ($1, $2, $3) RETURNING id', [userId, prefix, hashApiKey(key, pepper)]);
  await db.query(`INSERT INTO audit (user_id, action, subject) VALUES ($1, 'api_key.create', $2)`, [userId, r.rows[0].id]);
  return { id: r.rows[0].id, userId, key, prefix };
}

export async function listApiKeys(db: Db, userName?: string): Promise<ApiKeyRow[]> {
  const r = await db.query(
    `SELECT k.id, u.name AS user, k.prefix, k.created_at, k.revoked_at
       FROM api_keys k JOIN users u ON u.id = k.user_id
      WHERE ($1::text IS NULL OR u.name = $1) ORDER BY k.created_at`,
    [userName ?? null],
  );
  return r.rows;
}

/** Revokes by key id or by the key's printed prefix; returns how many keys were revoked. */
export async function revokeApiKey(db: Db, idOrPrefix: string): Promise<number> {
  const isUuid = /^[0-9a-f-]{36}$/i.test(idOrPrefix);
  const r = await db.query(
    `UPDATE api_keys SET revoked_at = now() WHERE revoked_at IS NULL AND ${isUuid ? 'id = $1::uuid' : 'prefix = $1'} RETURNING id, user_id`,
    [idOrPrefix],
  );
  for (const row of r.rows) await db.query(`INSERT INTO audit (user_id, action, subject) VALUES ($1, 'api_key.revoke', $2)`, [row.user_id, row.id]);
  return r.rowCount ?? 0;
}

export async function findUserByKey(db: Db, key: string, pepper: string): Promise<string | null> {
  return findUserByHash(db, hashApiKey(key, pepper));
}

export async function findUserByHash(db: Db, keyHash: string): Promise<string | null> {
  const r = await db.query('SELECT user_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [keyHash]);
  return r.rows[0]?.user_id ?? null;
}

/** Live keys among these hashes: key hash → user id (revoked and unknown hashes are absent). */
export async function findUsersByHashes(db: Db, keyHashes: string[]): Promise<Map<string, string>> {
  const r = await db.query('SELECT key_hash, user_id FROM api_keys WHERE key_hash = ANY($1::text[]) AND revoked_at IS NULL', [keyHashes]);
  return new Map(r.rows.map((row: { key_hash: string; user_id: string }) => [row.key_hash, row.user_id]));
}
