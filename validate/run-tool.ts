// Running a validator program (promtool, amtool, haproxy, tsc): its exit code and output, or null
// when the program is not installed, so the caller can report a skip with the install command.
import { execa } from 'execa';

export interface ToolRun {
  code: number;
  output: string;
}

export async function runTool(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<ToolRun | null> {
  const r = await execa(cmd, args, { cwd: opts.cwd, reject: false, all: true, timeout: opts.timeoutMs ?? 120_000, env: { NO_COLOR: '1' } });
  if ((r as { code?: string }).code === 'ENOENT' || (r.exitCode === undefined && /ENOENT/.test(String(r.message)))) return null;
  return { code: r.exitCode ?? 1, output: String(r.all ?? '').trim() };
}

/** Last lines of a tool's output, enough to see why it failed. */
export function tail(output: string, n = 12): string[] {
  return output.split('\n').filter(Boolean).slice(-n);
}
