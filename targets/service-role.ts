// The service's Postgres role must not be the superuser: the targets make `postgres.user` a
// least-privileged role (native: ALTER ROLE … NOSUPERUSER on every up; Docker: the init script),
// which would strip the superuser itself. Checked where a stack is brought up, not when a profile
// loads: backup and restore may point a profile at any server and role.
import { ConfigError } from '../lib/errors.js';
import type { StackPlan } from '../plan/types.js';

export function assertServiceRole(plan: StackPlan): void {
  if (plan.profile?.postgres?.user === 'postgres') {
    throw new ConfigError('postgres.user is "postgres", the superuser: the stack would run its service as the superuser', 'name a role of its own for the service in postgres.user, e.g. pdfsvc');
  }
}
