import { describe, expect, it } from 'vitest';
import { redactText, redactValue, registerSecret } from '../../lib/redact.js';

describe('redact', () => {
  it('masks bearer tokens, API keys and URL passwords', () => {
    expect(redactText('Authorization: Bearer abc.def.ghi')).toBe('Authorization: Bearer ***');
    expect(redactText('key pdk_abcdefghijklmnop')).toBe('key pdk_***');
    expect(redactText('postgresql://u:hunter2@db:5432/x')).toBe('postgresql://u:***@db:5432/x');
  });
  it('masks registered secret values anywhere', () => {
    registerSecret('s3cr3t-value-xyz');
    expect(redactText('connecting with s3cr3t-value-xyz now')).toBe('connecting with *** now');
  });
  it('masks secret-looking keys but keeps *_file paths', () => {
    expect(redactValue({ password: 'x', password_file: '/run/secrets/p', nested: { token: 't' } })).toEqual({
      password: '***',
      password_file: '/run/secrets/p',
      nested: { token: '***' },
    });
  });
  it('masks whole secret words in keys only, and only string values', () => {
    expect(redactValue({ pass: 13, passed: 'yes', bypass: 'on', apiKey: 'k', api_key: 'k', 'private-key': 'k', dbPassword: 'p', tokens: 4, password_secret: 'postgres_password' })).toEqual({
      pass: 13,
      passed: 'yes',
      bypass: 'on',
      apiKey: '***',
      api_key: '***',
      'private-key': '***',
      dbPassword: '***',
      tokens: 4,
      password_secret: 'postgres_password',
    });
  });
  it('masks inline key=value secrets without eating words after a secret name', () => {
    expect(redactText('postgres.password_secret: expected an existing secret')).toBe('postgres.password_secret: expected an existing secret');
    expect(redactText('password=hunter2 token: abc')).toBe('password=*** token: ***');
    expect(redactText('env PGPASSWORD=hunter2 REDIS_PASSWORD=x1 REDIS_PASSWORD_FILE=/run/p')).toBe('env PGPASSWORD=*** REDIS_PASSWORD=*** REDIS_PASSWORD_FILE=/run/p');
  });
});
