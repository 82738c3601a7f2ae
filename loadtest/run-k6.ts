// Adapter for the k6 binary: render the script, sample and keys into a work folder, build the
// argv (pure), run k6, read its summary export back. k6's exit code 99 means thresholds failed.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { LoadPlan } from './plan.js';
import { renderK6Files } from './render-k6.js';

export function buildK6Argv(scriptFile: string, baseUrl: string, keysFile: string, summaryFile: string): string[] {
  return ['run', '--summary-export', summaryFile, '-e', `BASE_URL=${baseUrl}`, '-e', `KEYS_FILE=${keysFile}`, scriptFile];
}

export async function isK6OnPath(): Promise<boolean> {
  const r = await execa('k6', ['version'], { reject: false, timeout: 10_000 });
  return r.exitCode === 0;
}

export interface K6Run {
  exitCode: number;
  summary: { metrics: Record<string, Record<string, unknown>> } | undefined;
  summaryFile: string;
}

export async function runK6(plan: LoadPlan, baseUrl: string, keys: string[], workDir: string): Promise<K6Run> {
  await mkdir(path.join(workDir, 'loadtest'), { recursive: true });
  for (const f of renderK6Files([plan])) await writeFile(path.join(workDir, f.path), f.content);
  const keysFile = path.join(workDir, 'loadtest', 'keys.json');
  await writeFile(keysFile, JSON.stringify(keys), { mode: 0o600 });
  const summaryFile = path.join(workDir, 'summary.json');
  const argv = buildK6Argv(path.join(workDir, 'loadtest', `${plan.scenarioName}.ts`), baseUrl, keysFile, summaryFile);
  const r = await execa('k6', argv, { reject: false, stdio: 'inherit', cwd: path.join(workDir, 'loadtest'), timeout: plan.maxDurationMs + 60_000 });
  const text = await readFile(summaryFile, 'utf8').catch(() => undefined);
  return { exitCode: r.exitCode ?? 1, summary: text ? JSON.parse(text) : undefined, summaryFile };
}
