// The one way prodctl reads a secret: from its file, trimmed, and registered for redaction before
// the value goes anywhere, so no log line, error or audit record can carry it in the clear.
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';
import { registerSecret } from './redact.js';

/**
 * `label` names the secret in errors (`secrets.postgres_password`, `--pepper-file`). A missing
 * file is a ConfigError, or undefined with `optional` (a live check then reports what fails).
 */
export function readSecret(file: string, label: string): string;
export function readSecret(file: string, label: string, opts: { optional: true }): string | undefined;
export function readSecret(file: string, label: string, opts: { optional?: boolean } = {}): string | undefined {
  if (!existsSync(file)) {
    if (opts.optional) return undefined;
    throw new ConfigError(`secret file ${file} (${label}) does not exist`, 'create it, or run `prodctl init` to generate secrets');
  }
  let value: string;
  try {
    value = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if (opts.optional) return undefined;
    throw new ConfigError(`secret file ${file} (${label}) cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'check its owner and mode (0600, owned by the user running prodctl)');
  }
  registerSecret(value);
  return value;
}
