// The backup key comes from a secret file. 64 hex characters or 32 raw bytes are used as is; any
// other content (a passphrase) goes through HKDF so the AES key is always 32 uniform bytes.
import { hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BackupError } from '../lib/errors.js';

export function deriveKey(content: Buffer): Buffer {
  const text = content.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (content.length === 32) return Buffer.from(content);
  if (text.length < 16) throw new BackupError('the backup key is shorter than 16 characters', 'generate one: openssl rand -hex 32 > secrets/backup_key');
  return Buffer.from(hkdfSync('sha256', Buffer.from(text), Buffer.from('prodctl-backup'), Buffer.from('aes-256-gcm'), 32));
}

export function readKeyFile(file: string): Buffer {
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch {
    throw new BackupError(`backup key file ${file} cannot be read`, 'create it: openssl rand -hex 32 > <file>; chmod 600 <file>');
  }
  return deriveKey(content);
}
