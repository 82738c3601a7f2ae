import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { printJson, printLine } from '../lib/output.js';
import { selectBuildTarget } from '../targets/select-target.js';
import type { CliContext } from './context.js';
import { loadPlan } from './load-stack.js';

const RUNTIME_CONTEXT = ['package.json', 'package-lock.json', 'tsconfig.json', 'node_modules', 'contract', 'runtime'];

export interface BuildCliOptions {
  version?: string;
  baseImage?: string;
  context?: string;
  dockerfile: string;
  repo?: string;
}

/** The prodctl package folder (dist/cli/ → ../..), where runtime/Dockerfile lives. */
function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
}

async function resolveVersion(explicit: string | undefined, cwd: string): Promise<string> {
  if (explicit) return explicit;
  const r = await execa('git', ['rev-parse', '--short=12', 'HEAD'], { cwd, reject: false });
  return r.exitCode === 0 ? r.stdout.trim() : 'dev';
}

export async function runBuild(ctx: CliContext, o: BuildCliOptions): Promise<void> {
  const contextDir = path.resolve(ctx.cwd, o.context ?? packageRoot());
  const repo = o.repo ?? (await loadPlan(ctx).then((p) => p.profile.images.api.replace(/:[^/]*$/, '')).catch(() => 'prodctl/runtime'));
  const version = await resolveVersion(o.version, contextDir);
  const tag = `${repo}:${version}`;
  const target = await selectBuildTarget();
  ctx.log.step(`building ${tag} from ${path.join(contextDir, o.dockerfile)}`);
  const started = Date.now();
  const { imageId } = await target.build!(ctx, {
    contextDir,
    dockerfile: o.dockerfile,
    tag,
    version,
    // The package folder holds tests, docs and dist too: send only what runtime/Dockerfile copies.
    include: o.context ? undefined : RUNTIME_CONTEXT,
    buildArgs: o.baseImage ? { BASE_IMAGE: o.baseImage } : undefined,
  });
  const result = { image: tag, imageId, version, durationMs: Date.now() - started };
  if (ctx.json) printJson(result);
  else printLine(`built ${tag} (${imageId.replace('sha256:', '').slice(0, 12)}) in ${(result.durationMs / 1000).toFixed(1)}s`);
}
