// CPU time of processes and threads from /proc, for benches and load tests that charge a subject by the CPU it and
// the servers it makes work use: on a shared machine that is steadier than wall-clock rates.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s

/** CPU seconds (user + system, all threads) these processes have used so far. */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime
    } catch {
      // exited meanwhile
    }
  }
  return ticks / CLK_TCK;
}

/** CPU seconds of one thread (the main thread's id is the process id). */
export function threadCpuSeconds(pid: number, tid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** A process and its direct children (Postgres: the postmaster and its backends). */
export function withChildren(root: number): number[] {
  const pids = [root];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === root) pids.push(Number(d));
    } catch {
      // gone
    }
  }
  return pids;
}

/** Socket inodes listening on these TCP ports (IPv4 and IPv6), from /proc/net/tcp{,6}. */
function listeningInodes(ports: number[]): Set<string> {
  const want = new Set(ports);
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; st 0A is LISTEN; inode is the tenth field.
      if (f.length < 10 || f[3] !== '0A') continue;
      if (want.has(parseInt(f[1].split(':').pop()!, 16))) inodes.add(f[9]);
    }
  }
  return inodes;
}

/** Processes with a socket listening on any of these ports (the native stack's services). */
export function listeningPids(ports: number[]): number[] {
  const inodes = listeningInodes(ports);
  const pids: number[] = [];
  if (inodes.size === 0) return pids;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${d}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link = '';
      try {
        link = readlinkSync(`/proc/${d}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1])) {
        pids.push(Number(d));
        break;
      }
    }
  }
  return pids;
}
