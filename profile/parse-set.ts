// `--set key.path=value` on the command line: one more profile layer. The value is read as YAML,
// so `--set api.replicas=3` is a number and `--set monitoring.enabled=false` a boolean.
import { parse } from 'yaml';
import { UsageError } from '../lib/errors.js';
import type { Plain } from './merge.js';
import type { KeyPath, SourceLayer } from './source-doc.js';

export function parseSetLayer(arg: string, index: number): SourceLayer {
  const eq = arg.indexOf('=');
  const keyPath = eq > 0 ? arg.slice(0, eq) : '';
  if (!/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_{}:$-]+)*$/.test(keyPath)) {
    throw new UsageError(`--set '${arg}' is not key.path=value`, 'write e.g. --set api.replicas=3');
  }
  let value: unknown;
  try {
    value = parse(arg.slice(eq + 1));
  } catch {
    value = arg.slice(eq + 1);
  }
  const keys = keyPath.split('.');
  const data: Plain = {};
  let cur = data;
  keys.forEach((k, i) => {
    if (i === keys.length - 1) cur[k] = value ?? '';
    else cur = cur[k] = {} as Plain;
  });
  const label = `--set#${index + 1}`;
  return {
    label,
    data,
    locate(path: KeyPath) {
      const n = Math.min(path.length, keys.length);
      for (let i = 0; i < n; i++) if (String(path[i]) !== keys[i]) return null;
      if (path.length < keys.length) return null;
      // The whole value came from this flag: point at it.
      return { pos: `1:${eq + 2}`, exact: path.length === keys.length };
    },
  };
}
