// Puts each service's rendered config files and the stack's secrets where containers bind-mount
// them from, and computes each service's config hash (spec + file contents). Config folders are
// content-addressed, so a running container keeps exactly the files it was started with.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../lib/errors.js';
import type { ServicePlan, StackPlan } from '../../plan/types.js';
import { ADMIN_PORT_NAME } from '../../engine/labels.js';


export interface StagedFiles {
  configDir: Record<string, string>;
  configHash: Record<string, string>;
  secretsDir: string;
}

export function hashText(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** The spec fields that, when changed, need a new container (replicas only need scaling). */
export function describeServiceSpec(s: ServicePlan, image: string): string {
  const { replicas: _r, image: _i, ...rest } = s;
  return JSON.stringify({ ...rest, image });
}

export function stageFiles(plan: StackPlan, renderedDir: string, stateDir: string, images: Record<string, string>): StagedFiles {
  const root = path.join(stateDir, 'docker');
  const secretsDir = path.join(root, 'secrets');
  fs.mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  const secretHashes: Record<string, string> = {};
  for (const sec of plan.secrets) {
    const src = path.resolve(plan.profileDir, sec.file);
    if (!fs.existsSync(src)) throw new ConfigError(`secret ${sec.name}: ${src} does not exist`, 'create the file or fix secrets.<name>.file in prodctl.yaml');
    const content = fs.readFileSync(src);
    const dest = path.join(secretsDir, sec.name);
    // Readable by the container's own (non-root) user; the folder above stays 0700 on the host.
    fs.writeFileSync(`${dest}.tmp`, content, { mode: 0o444 });
    fs.chmodSync(`${dest}.tmp`, 0o444);
    fs.renameSync(`${dest}.tmp`, dest);
    secretHashes[sec.name] = hashText(content);
  }
  const configDir: Record<string, string> = {};
  const configHash: Record<string, string> = {};
  for (const s of plan.services) {
    // A config is a rendered file or a rendered folder (Prometheus mounts prometheus/): every file in it counts.
    const files = s.configs.flatMap((c) => listRenderedFiles(renderedDir, c.file, s.name));
    const contents = files.map((f) => prepareConfig(s, f, fs.readFileSync(path.join(renderedDir, f))));
    const hash = hashText(describeServiceSpec(s, images[s.name] ?? s.image), ...files, ...contents, ...s.secrets.map((x) => secretHashes[x.name] ?? ''));
    configHash[s.name] = hash;
    const dir = path.join(root, 'configs', `${s.name}-${hash}`);
    files.forEach((f, i) => {
      const dest = path.join(dir, f);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      if (!fs.existsSync(dest)) fs.writeFileSync(dest, contents[i], { mode: 0o444 });
    });
    fs.mkdirSync(dir, { recursive: true });
    configDir[s.name] = dir;
  }
  return { configDir, configHash, secretsDir };
}

/** The files of one config mount, relative to the render folder, sorted (a folder counts as all its files). */
export function listRenderedFiles(renderedDir: string, file: string, service: string): string[] {
  const src = path.join(renderedDir, file);
  if (!fs.existsSync(src)) throw new ConfigError(`${service}: rendered file ${file} is missing`, 'run `prodctl render` or check the renderer for this service');
  if (!fs.statSync(src).isDirectory()) return [file];
  return fs
    .readdirSync(src, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(renderedDir, path.join(e.parentPath ?? e.path, e.name)))
    .sort();
}

/**
 * The Docker target moves traffic through HAProxy's runtime API over TCP (published on the engine
 * host's loopback only); a rendered haproxy.cfg that opens only the unix socket gets the TCP one
 * added in the staged copy, on the edge's `admin` port. Everything else is mounted byte for byte.
 */
export function prepareConfig(s: ServicePlan, file: string, content: Buffer): Buffer {
  const admin = s.ports.find((p) => p.name === ADMIN_PORT_NAME);
  if (s.role !== 'edge' || !admin || path.basename(file) !== 'haproxy.cfg') return content;
  const text = content.toString('utf8');
  if (/^\s*stats socket ipv4@/m.test(text)) return content;
  const line = `  stats socket ipv4@0.0.0.0:${admin.port} level admin  # added by the docker target: its runtime API, published on 127.0.0.1 only`;
  return Buffer.from(text.replace(/^global[^\n]*\n/m, (g) => `${g}${line}\n`), 'utf8');
}
