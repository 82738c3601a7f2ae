// One parsed YAML layer of the profile (the user's file, an env file or a --set) and the lookup
// of a key path to the `file:line:col` where the user wrote it.
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError } from '../lib/errors.js';
import { isPlainObject, type Plain } from './merge.js';

export type KeyPath = (string | number)[];

export interface SourceLayer {
  /** How the layer is named in error lines: a file path or `--set`. */
  label: string;
  data: Plain;
  /** Returns `line:col` for the deepest part of `path` this layer sets, or null when it does not set it. */
  locate(path: KeyPath, at?: 'key' | 'value'): { pos: string; exact: boolean } | null;
}

export function readYamlLayer(file: string, label: string): SourceLayer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(`profile ${label} not found`, 'run `prodctl init` or pass -f <file>');
  }
  return parseYamlLayer(text, label);
}

export function parseYamlLayer(text: string, label: string): SourceLayer {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const pos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return `${p.line}:${p.col}`;
  };
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => `${label}:${pos(e.pos[0])}: ${firstLine(e.message)}`);
    throw new ConfigError('the profile is not valid YAML', 'fix the YAML syntax', problems);
  }
  const data = doc.toJS() ?? {};
  if (!isPlainObject(data)) {
    throw new ConfigError('profile is not a mapping', 'fix the YAML', [`${label}:1:1: (root): expected a mapping of settings, found ${describeValue(data)}`]);
  }
  return { label, data, locate: (p, at = 'value') => locateIn(doc, p, pos, at) };
}

function firstLine(msg: string): string {
  return msg.split('\n')[0].replace(/ at line \d+, column \d+.*$/, '');
}

function locateIn(doc: Document, path: KeyPath, pos: (o: number) => string, at: 'key' | 'value'): { pos: string; exact: boolean } | null {
  let node: Node | null = doc.contents as Node | null;
  let found: Node | null = null;
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(key));
      if (!pair) break;
      // An unknown key is reported at the key itself; a bad value at the value.
      const last = i === path.length - 1;
      found = (last && (at === 'key' || pair.value == null) ? pair.key : (pair.value ?? pair.key)) as Node;
      node = pair.value as Node | null;
      if (last) return { pos: pos(found.range?.[0] ?? 0), exact: true };
    } else if (isSeq(node) && typeof key === 'number' && node.items[key]) {
      node = node.items[key] as Node;
      found = node;
      if (i === path.length - 1) return { pos: pos(found.range?.[0] ?? 0), exact: true };
    } else break;
  }
  return found ? { pos: pos(found.range?.[0] ?? 0), exact: false } : null;
}

export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'a list';
  return 'a mapping';
}
