// Puts each service's rendered config files and the stack's secrets where containers bind-mount
// them from, and computes each service's config hash (spec + file contents). Config folders are
// content-addressed, so a running container keeps exactly the files it was started with.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../lib/errors.js';
import type { ServicePlan, StackPlan } from '../../plan/types.js';

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
    const contents = s.configs.map((c) => {
      const src = path.join(renderedDir, c.file);
      if (!fs.existsSync(src)) throw new ConfigError(`${s.name}: rendered file ${c.file} is missing`, 'run `prodctl render` or check the renderer for this service');
      return fs.readFileSync(src);
    });
    const hash = hashText(describeServiceSpec(s, images[s.name] ?? s.image), ...s.configs.map((c) => c.file), ...contents, ...s.secrets.map((x) => secretHashes[x.name] ?? ''));
    configHash[s.name] = hash;
    const dir = path.join(root, 'configs', `${s.name}-${hash}`);
    s.configs.forEach((c, i) => {
      const dest = path.join(dir, c.file);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, contents[i], { mode: 0o444 });
    });
    fs.mkdirSync(dir, { recursive: true });
    configDir[s.name] = dir;
  }
  return { configDir, configHash, secretsDir };
}
