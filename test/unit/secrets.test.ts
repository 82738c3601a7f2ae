// The one secret reader: the value is trimmed and masked everywhere from the moment it is read.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.js';
import { redactText } from '../../lib/redact.js';
import { readSecret } from '../../lib/secrets.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'prodctl-secret-'));

describe('readSecret', () => {
  it('returns the trimmed value and registers it for redaction', () => {
    const file = path.join(dir, 'pw');
    writeFileSync(file, 'S3cret-value-never-logged\n', { mode: 0o600 });
    expect(redactText('pw=S3cret-value-never-logged!')).toBe('pw=S3cret-value-never-logged!');
    expect(readSecret(file, 'secrets.pw')).toBe('S3cret-value-never-logged');
    expect(redactText('pw=S3cret-value-never-logged!')).toBe('pw=***!');
  });

  it('a missing file is a ConfigError naming it, or undefined when optional', () => {
    const file = path.join(dir, 'missing');
    const err = (() => {
      try {
        readSecret(file, 'secrets.missing');
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect([err!.message, err!.hint]).toEqual([`secret file ${file} (secrets.missing) does not exist`, 'create it, or run `prodctl init` to generate secrets']);
    expect(readSecret(file, 'secrets.missing', { optional: true })).toBeUndefined();
  });

  it('a file that cannot be read is a ConfigError with the reason', () => {
    expect(() => readSecret(dir, 'secrets.dir')).toThrow(`secret file ${dir} (secrets.dir) cannot be read: EISDIR`);
    expect(readSecret(dir, 'secrets.dir', { optional: true })).toBeUndefined();
  });
});
