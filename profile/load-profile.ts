// PLACEHOLDER until the profile loader lands: parses YAML and layers the preset, no validation.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '../lib/errors.js';
import { mergeDeep, type Plain } from './merge.js';
import { loadPreset } from './presets.js';
import type { PresetName, Profile } from './schema.js';

export interface LoadProfileOptions {
  path: string;
  envName?: string;
  sets?: string[];
}

export interface LoadedProfile {
  profile: Profile;
  preset: PresetName;
  /** Absolute folder of the profile: secret paths resolve against it. */
  dir: string;
  files: string[];
}

export async function loadProfile(o: LoadProfileOptions): Promise<LoadedProfile> {
  let text: string;
  try {
    text = readFileSync(o.path, 'utf8');
  } catch {
    throw new ConfigError(`profile ${o.path} not found`, 'run `prodctl init` or pass -f <file>');
  }
  const user = (parse(text) ?? {}) as Plain;
  const preset = ((user.extends as PresetName) ?? 'medium') as PresetName;
  const profile = mergeDeep(loadPreset(preset), user) as unknown as Profile;
  return { profile, preset, dir: path.dirname(path.resolve(o.path)), files: [o.path] };
}
