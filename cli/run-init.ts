// `prodctl init`: writes the commented profile and strong secrets, then proves the profile loads.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../lib/errors.js';
import { printJson, printLine } from '../lib/output.js';
import { generateSecrets, renderInitProfile, SECRETS_DIR, SECRETS_GITIGNORE } from '../profile/init-profile.js';
import { loadProfile } from '../profile/load-profile.js';
import type { PresetName } from '../profile/schema.js';
import { displayPath, type CliContext } from './context.js';

export interface InitCommandOptions {
  preset: PresetName;
  dir: string;
  name?: string;
  domain: string;
  force?: boolean;
}

const PROJECT_NAME = /^[a-z][a-z0-9-]{1,38}[a-z0-9]$/;

export async function runInit(ctx: CliContext, o: InitCommandOptions): Promise<void> {
  const dir = path.resolve(ctx.cwd, o.dir);
  const profileFile = path.join(dir, 'prodctl.yaml');
  const secrets = generateSecrets(randomBytes);
  const targets = [profileFile, ...secrets.map((s) => path.join(dir, s.file))];
  const existing = targets.filter((f) => existsSync(f));
  if (existing.length > 0 && !o.force) {
    throw new UsageError(`${displayPath(ctx.cwd, existing[0])} already exists`, 'pass --force to overwrite it (and regenerate every secret), or choose another --dir');
  }
  const project = o.name ?? projectNameFrom(dir);
  if (!PROJECT_NAME.test(project)) {
    throw new UsageError(`project name '${project}' is not valid`, 'pass --name with 3–40 lowercase letters, digits or dashes');
  }

  mkdirSync(path.join(dir, SECRETS_DIR), { recursive: true, mode: 0o700 });
  writeFileSync(path.join(dir, SECRETS_DIR, '.gitignore'), SECRETS_GITIGNORE);
  for (const s of secrets) {
    const file = path.join(dir, s.file);
    writeFileSync(file, s.content, { mode: 0o600 });
    chmodSync(file, 0o600); // an existing file keeps its old mode on write: set it explicitly
  }
  writeFileSync(profileFile, renderInitProfile({ preset: o.preset, project, domain: o.domain, schemaRef: schemaRefFrom(dir) }, secrets));

  // The written profile must load as is: a failure here is a bug in init, reported as such.
  await loadProfile({ path: profileFile });

  const files = [profileFile, path.join(dir, SECRETS_DIR, '.gitignore'), ...secrets.map((s) => path.join(dir, s.file))];
  if (ctx.json) {
    printJson({ preset: o.preset, project, profile: profileFile, secretsDir: path.join(dir, SECRETS_DIR), files });
    return;
  }
  printLine(`wrote ${displayPath(ctx.cwd, profileFile)} (preset ${o.preset}, project ${project})`);
  printLine(`wrote ${secrets.length} secrets into ${displayPath(ctx.cwd, path.join(dir, SECRETS_DIR))}/ (mode 0600, git-ignored)`);
  printLine('next: prodctl plan · prodctl render · prodctl validate');
}

function projectNameFrom(dir: string): string {
  const base = path.basename(dir).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '');
  return PROJECT_NAME.test(base) ? base : 'pdfsvc';
}

/** The installed package's schema file, relative to the profile folder (what editors resolve). */
function schemaRefFrom(dir: string): string {
  // dist/cli/run-init.js when built, cli/run-init.ts under tsx: the first candidate that exists.
  const candidates = ['../../profile/prodctl.schema.json', '../profile/prodctl.schema.json'].map((c) => fileURLToPath(new URL(c, import.meta.url)));
  const schema = candidates.find((c) => existsSync(c)) ?? candidates[0];
  const rel = path.relative(dir, schema).split(path.sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}
