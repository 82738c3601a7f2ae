// A Postgres SCRAM-SHA-256 verifier computed here, so `CREATE/ALTER ROLE … PASSWORD` carries the
// verifier and never the password: even a statement that does reach a log reveals no password.
// Format (RFC 7677, Postgres' pg_authid.rolpassword): SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>.
// The password's UTF-8 bytes are used as is, as node-postgres' client proof does (no SASLprep:
// for ASCII passwords, which `prodctl init` writes, the two are the same).
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

export const SCRAM_ITERATIONS = 4096;

export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = SCRAM_ITERATIONS): string {
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
