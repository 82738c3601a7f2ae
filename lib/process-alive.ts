// Whether a process id is in use on this host: signal 0 checks without sending anything. EPERM
// means it exists but belongs to another user, which still counts as alive (a lock holder, a
// supervised server or a running backup under another account must not be taken for dead).
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
