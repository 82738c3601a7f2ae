// Reading rendered files back for validation: YAML/JSON parse errors become result details.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export type Parsed = { file: string; doc: unknown } | { file: string; error: string };

export function readYamlFile(renderedDir: string, rel: string): Parsed {
  const file = path.join(renderedDir, rel);
  if (!existsSync(file)) return { file: rel, error: `${rel} not found — run prodctl render first` };
  try {
    return { file: rel, doc: parse(readFileSync(file, 'utf8')) };
  } catch (err) {
    return { file: rel, error: `${rel}: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** Files under a rendered folder whose names end with `ext`, relative to the render folder, sorted. */
export function listRendered(renderedDir: string, relDir: string, ext: string): string[] {
  const dir = path.join(renderedDir, relDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(ext))
    .map((f) => path.posix.join(relDir, f.split(path.sep).join('/')))
    .sort();
}

export function parseErrors(parsed: Parsed[]): string[] {
  return parsed.flatMap((p) => ('error' in p ? [p.error] : []));
}

export function parsedDocs(parsed: Parsed[]): { file: string; doc: unknown }[] {
  return parsed.flatMap((p) => ('doc' in p ? [p] : []));
}
