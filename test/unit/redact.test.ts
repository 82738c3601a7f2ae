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
});
