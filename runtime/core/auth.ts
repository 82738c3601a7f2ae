// Request authentication: OIDC bearer JWTs (verified against the JWKS, issuer and audience) or
// hashed API keys. Returns the internal user id, or throws a 401 HttpError.
import { hash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type pg from 'pg';
import { findUsersByHashes, hashApiKey, looksLikeApiKey } from './api-keys.js';
import { batchPerTurn } from './batch.js';
import type { RuntimeConfig } from './config.js';
import { HttpError } from './errors.js';

export type Authenticate = (headers: Record<string, string | string[] | undefined>) => Promise<string>;

const unauthorized = (msg: string) => new HttpError(401, 'unauthorized', msg, { 'www-authenticate': 'Bearer' });

const KEY_CACHE_MAX = 10_000;

export function createAuthenticator(cfg: Pick<RuntimeConfig, 'oidc' | 'apiKeyPepper' | 'apiKeyCacheMs'>, db: Pick<pg.Pool, 'query'>): Authenticate {
  // Verified keys are trusted for apiKeyCacheMs (default 1 s) to save a Postgres round trip per
  // request; a revoked key is therefore refused within that time. The cache is keyed by a salted
  // one-shot SHA-256 of the key (salt random per process), never the key: a hit then costs a
  // fraction of the peppered HMAC, which is computed only to ask Postgres.
  const keyCache = new Map<string, { userId: string; until: number }>();
  // Misses of one turn ask Postgres together: with one key per client (e.g. 1,000 service
  // accounts), most requests miss the short-lived cache, and one query per request was the cost.
  const lookupUser = batchPerTurn((hashes) => findUsersByHashes(db, hashes));
  const cacheSalt = randomBytes(16).toString('base64');
  async function userForKey(key: string, pepper: string): Promise<string | null> {
    const cacheKey = hash('sha256', cacheSalt + key, 'base64');
    const hit = keyCache.get(cacheKey);
    if (hit && hit.until > Date.now()) return hit.userId;
    const userId = await lookupUser(hashApiKey(key, pepper));
    if (userId && cfg.apiKeyCacheMs > 0) {
      if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value as string);
      keyCache.set(cacheKey, { userId, until: Date.now() + cfg.apiKeyCacheMs });
    } else keyCache.delete(cacheKey);
    return userId;
  }
  const jwks = cfg.oidc ? createRemoteJWKSet(new URL(cfg.oidc.jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 5_000 }) : null;

  async function userForSubject(sub: string): Promise<string> {
    // OIDC users are created on first sight; the subject is the stable identity. Read first so
    // the common case is a plain SELECT, not a write per request.
    const found = await db.query('SELECT id FROM users WHERE oidc_subject = $1', [sub]);
    if (found.rows[0]) return found.rows[0].id;
    const r = await db.query(
      `INSERT INTO users (name, oidc_subject) VALUES ($1, $2) ON CONFLICT (oidc_subject) DO UPDATE SET oidc_subject = EXCLUDED.oidc_subject RETURNING id`,
      [`oidc:${sub}`, sub],
    );
    return r.rows[0].id;
  }

  return async (headers) => {
    const auth = typeof headers.authorization === 'string' ? headers.authorization : '';
    const xKey = typeof headers['x-api-key'] === 'string' ? headers['x-api-key'] : '';
    const token = auth.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : xKey;
    if (!token) throw unauthorized('missing credentials: send Authorization: Bearer <token or API key>');
    if (looksLikeApiKey(token)) {
      if (!cfg.apiKeyPepper) throw unauthorized('API keys are not enabled');
      const userId = await userForKey(token, cfg.apiKeyPepper);
      if (!userId) throw unauthorized('invalid or revoked API key');
      return userId;
    }
    if (!jwks || !cfg.oidc) throw unauthorized('bearer tokens are not enabled');
    let sub: string | undefined;
    try {
      const { payload } = await jwtVerify(token, jwks, { issuer: cfg.oidc.issuer, audience: cfg.oidc.audience, clockTolerance: 5 });
      sub = payload.sub;
    } catch (err) {
      throw unauthorized(`invalid token: ${(err as { code?: string }).code ?? 'verification failed'}`);
    }
    if (!sub) throw unauthorized('invalid token: no subject');
    return userForSubject(sub);
  };
}
