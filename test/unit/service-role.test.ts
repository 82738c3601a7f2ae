// A stack is never brought up with the superuser as the service's role: the targets would strip it.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.js';
import type { StackPlan } from '../../plan/types.js';
import { assertServiceRole } from '../../targets/service-role.js';

const planWith = (user: string) => ({ profile: { postgres: { user } } }) as unknown as StackPlan;

describe('assertServiceRole', () => {
  it('refuses postgres.user "postgres", naming the key and the fix', () => {
    expect(() => assertServiceRole(planWith('postgres'))).toThrow(ConfigError);
    expect(() => assertServiceRole(planWith('postgres'))).toThrow('postgres.user is "postgres", the superuser: the stack would run its service as the superuser');
  });

  it('accepts a role of its own', () => {
    expect(() => assertServiceRole(planWith('pdfsvc'))).not.toThrow();
  });
});
