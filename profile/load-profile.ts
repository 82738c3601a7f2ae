// Loads a profile: the preset named by `extends`, then the user's file, the environment file
// (prodctl.<env>.yaml) and each --set, merged in that order, then validated in full. Every
// problem becomes one `file:line:col: key.path: expected X, found Y` line (ConfigError, exit 2).
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../lib/errors.js';
import { checkCrossRules } from './cross-rules.js';
import { describeIssue, suggestKey, movedKeyHint } from './describe-issue.js';
import { mergeDeep } from './merge.js';
import { parseSetLayer } from './parse-set.js';
import { loadPreset, PRESET_NAMES } from './presets.js';
import { allowedKeysAt } from './schema-keys.js';
import { profileSchema, type PresetName, type Profile } from './schema.js';
import { describeValue, readYamlLayer, type KeyPath, type SourceLayer } from './source-doc.js';

export interface LoadProfileOptions {
  path: string;
  envName?: string;
  sets?: string[];
  /** Skip the check that secret files exist (e.g. `prodctl schema`, or before `init` wrote them). */
  skipSecretFiles?: boolean;
}

export interface LoadedProfile {
  profile: Profile;
  preset: PresetName;
  /** Absolute folder of the profile: secret paths resolve against it. */
  dir: string;
  files: string[];
}

export async function loadProfile(o: LoadProfileOptions): Promise<LoadedProfile> {
  const file = path.resolve(o.path);
  const dir = path.dirname(file);
  const user = readYamlLayer(file, o.path);
  const layers: SourceLayer[] = [user];
  const files = [o.path];
  if (o.envName) {
    const envFile = path.join(dir, `prodctl.${o.envName}.yaml`);
    if (!existsSync(envFile)) {
      throw new ConfigError(`environment file ${envFile} not found`, `create it, or drop --env ${o.envName}`);
    }
    const label = path.join(path.dirname(o.path), `prodctl.${o.envName}.yaml`);
    layers.push(readYamlLayer(envFile, label));
    files.push(label);
  }
  (o.sets ?? []).forEach((s, i) => layers.push(parseSetLayer(s, i)));

  const preset = presetOf(layers);
  const merged = mergeDeep(loadPreset(preset), ...layers.map((l) => l.data));
  const where = (p: KeyPath, at: 'key' | 'value' = 'value') => locate(layers, p, at);

  const parsed = profileSchema.safeParse(merged, { reportInput: true });
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const allowed = allowedKeysAt(profileSchema, issue.path as KeyPath);
        return issue.keys.map((k) => {
          const p = [...(issue.path as KeyPath), k];
          return `${where(p, 'key')}: ${formatPath(p)}: expected a known key, found '${k}'${movedKeyHint(formatPath(p)) ?? suggestKey(k, allowed)}`;
        });
      }
      return [`${where(issue.path as KeyPath)}: ${formatPath(issue.path as KeyPath)}: ${describeIssue(issue, (issue as { input?: unknown }).input)}`];
    });
    throw new ConfigError(`the profile has ${problems.length} problem(s)`, 'fix the lines above', dedupe(problems));
  }
  const profile = parsed.data;
  const problems = checkCrossRules(profile).map((c) => {
    const candidates = [c.path, ...(c.alternatives ?? [])];
    const exact = candidates.find((p) => layers.some((l) => l.locate(p)?.exact));
    const p = exact ?? c.path;
    return `${where(p)}: ${formatPath(p)}: ${c.message}`;
  });
  if (!o.skipSecretFiles) problems.push(...checkSecretFiles(profile, dir, where));
  if (problems.length > 0) throw new ConfigError(`the profile has ${problems.length} problem(s)`, 'fix the lines above', problems);
  return { profile, preset, dir, files };
}

function presetOf(layers: SourceLayer[]): PresetName {
  let name: unknown = 'medium';
  let layer: SourceLayer | undefined;
  for (const l of layers) if ('extends' in l.data) [name, layer] = [l.data.extends, l];
  if (typeof name === 'string' && (PRESET_NAMES as readonly string[]).includes(name)) return name as PresetName;
  const pos = layer?.locate(['extends'])?.pos ?? '1:1';
  throw new ConfigError('unknown preset', 'use small, medium or large', [
    `${layer?.label ?? '?'}:${pos}: extends: expected "small", "medium" or "large", found ${describeValue(name)}`,
  ]);
}

/**
 * Where a value came from: the last layer that sets it exactly; else, for a value the preset
 * supplied, the user's `extends:` line; else the nearest parent the user wrote.
 */
function locate(layers: SourceLayer[], p: KeyPath, at: 'key' | 'value'): string {
  for (let i = layers.length - 1; i >= 0; i--) {
    const hit = layers[i].locate(p, at);
    if (hit?.exact) return `${layers[i].label}:${hit.pos}`;
  }
  for (const l of layers) {
    const ext = l.locate(['extends']);
    if (ext?.exact) return `${l.label}:${ext.pos}`;
  }
  for (let i = layers.length - 1; i >= 0; i--) {
    const hit = layers[i].locate(p, at);
    if (hit) return `${layers[i].label}:${hit.pos}`;
  }
  return `${layers[0].label}:1:1`;
}

function checkSecretFiles(p: Profile, dir: string, where: (p: KeyPath) => string): string[] {
  const problems: string[] = [];
  for (const [name, ref] of Object.entries(p.secrets)) {
    const file = path.resolve(dir, ref.file);
    const keyPath = ['secrets', name, 'file'];
    if (!existsSync(file)) {
      problems.push(`${where(keyPath)}: ${formatPath(keyPath)}: expected an existing secret file, found no file at ${file} — create it (\`umask 077; head -c 32 /dev/urandom | base64 > ${file}\`), or run \`prodctl init\` in a new folder to generate secrets`);
    } else if (!statSync(file).isFile() || statSync(file).size === 0) {
      problems.push(`${where(keyPath)}: ${formatPath(keyPath)}: expected a non-empty secret file, found an empty file or a folder at ${file}`);
    }
  }
  return problems;
}

export function formatPath(p: KeyPath): string {
  if (p.length === 0) return '(root)';
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

function dedupe(lines: string[]): string[] {
  return [...new Set(lines)];
}
