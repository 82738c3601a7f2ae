// Finds this stack's processes in the process table: every process prodctl starts carries
// PRODCTL_NATIVE_STACK=<stateDir> in its environment; the supervisor daemon and Postgres are
// recognised by their exact command line; descendants of any of them count too.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface ProcEntry {
  pid: number;
  ppid: number;
  zombie: boolean;
  marked: boolean;
}

/** The two stack processes whose environment may be unreadable: the supervisor daemon (started
 *  before any marker exists) and Postgres (it runs as its own account; without CAP_SYS_PTRACE its
 *  environment is not readable to root). Matched exactly, so a user's `tail -f` of a log is not. */
export function isStackCommand(argv: string[], root: string): boolean {
  const daemon = argv.some((a) => /supervisor-main\.(js|ts)$/.test(a)) && argv.at(-1) === root;
  const postgres = /\/postgres$/.test(argv[0] ?? '') && argv.includes(path.join(root, 'native', 'data', 'postgres'));
  return daemon || postgres;
}

function readProc(pid: string, envNeedle: string, root: string): ProcEntry | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …" — comm may hold spaces and parentheses, so parse from the last ')'.
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let marked = false;
    try {
      marked = `${readFileSync(`/proc/${pid}/environ`, 'utf8')}\0`.includes(envNeedle);
    } catch {
      // not ours to read
    }
    if (!marked) marked = isStackCommand(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'), root);
    return { pid: Number(pid), ppid: Number(after[1]), zombie: after[0] === 'Z', marked };
  } catch {
    return null;
  }
}

/** Live (non-zombie) pids of the stack whose state folder is stateDir, sorted. */
export function listStackProcesses(stateDir: string): number[] {
  const root = path.resolve(stateDir);
  const entries = readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
    .map((e) => readProc(e, `PRODCTL_NATIVE_STACK=${root}\0`, root))
    .filter((e): e is ProcEntry => e !== null);
  const mine = new Set(entries.filter((e) => e.marked).map((e) => e.pid));
  // Descendants: repeat until no new child joins.
  for (let grew = true; grew; ) {
    grew = false;
    for (const e of entries) {
      if (mine.has(e.pid) || !mine.has(e.ppid)) continue;
      mine.add(e.pid);
      grew = true;
    }
  }
  return entries.filter((e) => mine.has(e.pid) && !e.zombie).map((e) => e.pid).sort((a, b) => a - b);
}
