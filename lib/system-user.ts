// Postgres refuses to run as root, so when prodctl runs as root it starts database processes as
// the service account that Debian's packages create (postgres, redis, prometheus).
import { execFileSync } from 'node:child_process';
import { chownSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function lookupUser(name: string): SystemUser | null {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    return { name, uid, gid };
  } catch {
    return null;
  }
}

/** The account to run a service as: the named one when we are root, else ourselves (null). */
export function serviceUser(name: string): SystemUser | null {
  if (!isRoot()) return null;
  const u = lookupUser(name);
  if (!u) throw new Error(`running as root, but there is no '${name}' account to run ${name} as — install Debian's package or run as a normal user`);
  return u;
}

export function chownTree(dir: string, user: SystemUser | null): void {
  if (!user) return;
  chownSync(dir, user.uid, user.gid);
  for (const entry of readdirSync(dir)) {
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) chownTree(p, user);
    else chownSync(p, user.uid, user.gid);
  }
}
