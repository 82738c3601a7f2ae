// Adapter: mint one API key per VU in the stack's own Postgres, with the runtime's key functions
// (same hashing and pepper as production), and revoke them when the run is over.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Profile } from '../profile/schema.js';
import { registerSecret } from '../lib/redact.js';
import { createApiKey, revokeApiKey } from '../runtime/core/api-keys.js';
import { mintKeys } from './keys.js';

export interface StackDb {
  host: string;
  port: number;
}

export interface ProfileRef {
  profile: Profile;
  /** Folder of the profile: secret files resolve against it. */
  dir: string;
}

async function readSecret(ref: ProfileRef, name: string): Promise<string> {
  const entry = ref.profile.secrets[name];
  if (!entry) throw new Error(`the profile has no secret ${name}`);
  const value = (await readFile(path.resolve(ref.dir, entry.file), 'utf8')).trim();
  registerSecret(value);
  return value;
}

export interface MintedKeys {
  keys: string[];
  revoke(): Promise<void>;
  close(): Promise<void>;
}

export async function mintStackKeys(ref: ProfileRef, db: StackDb, count: number): Promise<MintedKeys> {
  const p = ref.profile.postgres;
  const pool = new pg.Pool({
    host: db.host,
    port: db.port,
    database: p.database,
    user: p.user,
    password: await readSecret(ref, p.password_secret),
    max: 4,
    application_name: 'prodctl-loadtest',
  });
  const pepper = await readSecret(ref, 'api_key_pepper');
  const ids: string[] = [];
  try {
    const keys = await mintKeys(count, async (user) => {
      const k = await createApiKey(pool, user, pepper);
      ids.push(k.id);
      return k.key;
    }, 4);
    return {
      keys,
      revoke: async () => {
        for (const id of ids) await revokeApiKey(pool, id);
      },
      close: () => pool.end(),
    };
  } catch (err) {
    await pool.end();
    throw err;
  }
}
