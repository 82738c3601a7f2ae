// Builds an image on the engine from a local folder without a registry: the folder is packed as
// a tar context (honouring simple .dockerignore prefixes) and sent to the Engine API's /build.
import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { TargetError } from '../../lib/errors.js';

export interface BuildInput {
  contextDir: string;
  dockerfile: string;
  tags: string[];
  /** Top-level paths to send (default: everything not ignored). */
  include?: string[];
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  onLine?: (line: string) => void;
}

/** .dockerignore lines as path prefixes (no negation or globs beyond a trailing /**). */
export function readIgnorePrefixes(contextDir: string): string[] {
  const file = path.join(contextDir, '.dockerignore');
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [];
  return ['.git', ...lines.map((l) => l.trim().replace(/\/\*\*$/, '').replace(/^\.\//, '').replace(/\/$/, '')).filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('!'))];
}

export function isIgnored(rel: string, prefixes: string[]): boolean {
  return prefixes.some((p) => rel === p || rel.startsWith(`${p}/`));
}

export async function buildImage(docker: Docker, b: BuildInput): Promise<string> {
  const prefixes = readIgnorePrefixes(b.contextDir).filter((p) => p !== b.dockerfile);
  // dockerode packs {context, src} as a tar stream itself (with its own tar dependency).
  const src = listContextFiles(b.contextDir, '', prefixes).filter((f) => !b.include || b.include.some((p) => f === p || f.startsWith(`${p}/`)));
  const stream = await docker.buildImage({ context: b.contextDir, src }, {
    t: b.tags[0],
    dockerfile: b.dockerfile,
    buildargs: b.buildArgs,
    labels: b.labels,
    rm: true,
    forcerm: true,
  } as Docker.ImageBuildOptions);
  const lines: string[] = [];
  const events = await new Promise<{ error?: string; stream?: string; aux?: { ID?: string } }[]>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: unknown[]) => (err ? reject(err) : resolve(out as never)), (e: { stream?: string }) => {
      if (e.stream?.trim()) {
        lines.push(e.stream.trim());
        b.onLine?.(e.stream.trim());
      }
    }),
  );
  const failed = events.find((e) => e.error);
  if (failed) throw new TargetError(`image build failed: ${failed.error}`, 'fix the Dockerfile or the build context', lines.slice(-20));
  const image = await docker.getImage(b.tags[0]).inspect();
  for (const extra of b.tags.slice(1)) {
    const [r, t] = splitRef(extra);
    await docker.getImage(image.Id).tag({ repo: r, tag: t });
  }
  return image.Id;
}

function listContextFiles(root: string, rel: string, prefixes: string[]): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (isIgnored(r, prefixes)) continue;
    if (e.isDirectory()) out.push(...listContextFiles(root, r, prefixes));
    else out.push(r);
  }
  return out;
}

export function splitRef(ref: string): [string, string] {
  const i = ref.lastIndexOf(':');
  return i > ref.lastIndexOf('/') ? [ref.slice(0, i), ref.slice(i + 1)] : [ref, 'latest'];
}
