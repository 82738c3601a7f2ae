// Test support: the baseline rendered stack (test/fixtures/checks/baseline) plus a medium-preset
// plan, and the scenario edits (one fixture file per scenario) that break exactly one thing.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import type { StackPlan } from '../../plan/types.js';
import { loadPreset } from '../../profile/presets.js';
import type { Profile } from '../../profile/schema.js';
import type { RenderedFile } from '../../templates/types.js';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/checks');

export interface Edit {
  file?: string;
  profile?: string;
  set?: string;
  value?: unknown;
  delete?: string | true;
  replace?: [string, string];
}

export interface Scenario {
  check: string;
  breaks: string;
  edits: Edit[];
  also?: string[];
}

function walk(dir: string, base = dir): RenderedFile[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? walk(p, base) : [{ path: path.relative(base, p), content: readFileSync(p, 'utf8') }];
  });
}

export function baselinePlan(profileEdit?: (p: Profile) => void): StackPlan {
  const profile = loadPreset('medium') as unknown as Profile;
  profile.backup.target.separate_disk = true; // the baseline's backup folder is its own disk (DATA-008)
  profileEdit?.(profile);
  return { version: 1, project: profile.project.name, target: profile.target, preset: 'medium', services: [], networks: [], volumes: [], secrets: [], files: [], profile, profileDir: FIXTURES };
}

/** The baseline rendered files; with the HAProxy edge, haproxy/haproxy.cfg replaces the Traefik files. */
export function baselineFiles(edge: 'traefik' | 'haproxy' = 'traefik'): RenderedFile[] {
  const files = walk(path.join(FIXTURES, 'baseline'));
  if (edge === 'traefik') return files;
  return [...files.filter((f) => !f.path.startsWith('traefik/')), { path: 'haproxy/haproxy.cfg', content: readFileSync(path.join(FIXTURES, 'haproxy', 'haproxy.cfg'), 'utf8') }];
}

function setPath(obj: any, dotted: string, value: unknown, del: boolean): void {
  const keys = dotted.split('.');
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    if (cur[k] === undefined) cur[k] = {};
    cur = cur[k];
  }
  const last = keys.at(-1)!;
  if (!del) cur[last] = value;
  else if (Array.isArray(cur)) cur.splice(Number(last), 1);
  else delete cur[last];
}

export function loadScenario(file: string): Scenario {
  return parse(readFileSync(file, 'utf8')) as Scenario;
}

/** Applies a scenario's edits to fresh copies of the baseline plan and files. */
export function applyScenario(s: Scenario, edge: 'traefik' | 'haproxy' = 'traefik'): { plan: StackPlan; files: RenderedFile[] } {
  const files = baselineFiles(edge);
  const plan = baselinePlan((p) => {
    for (const e of s.edits.filter((x) => x.profile)) setPath(p, e.profile!, e.value, e.delete === true);
  });
  for (const e of s.edits.filter((x) => x.file)) {
    const f = files.find((x) => x.path === e.file);
    if (!f) throw new Error(`${s.check}: no baseline file ${e.file}`);
    if (e.replace) {
      if (!f.content.includes(e.replace[0])) throw new Error(`${s.check}: ${e.file} does not contain ${e.replace[0]}`);
      f.content = f.content.replace(e.replace[0], e.replace[1]);
      continue;
    }
    const doc = parse(f.content, { merge: true });
    setPath(doc, (e.set ?? e.delete) as string, e.value, e.delete !== undefined);
    f.content = stringify(doc);
  }
  return { plan, files };
}
