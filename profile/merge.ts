// Layering rule for profiles: objects merge key by key, arrays and scalars replace.
export type Plain = Record<string, unknown>;

export function isPlainObject(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function mergeDeep<T extends Plain>(base: T, ...layers: Plain[]): T {
  let out: Plain = structuredClone(base);
  for (const layer of layers) out = mergeTwo(out, layer);
  return out as T;
}

function mergeTwo(a: Plain, b: Plain): Plain {
  const out: Plain = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = isPlainObject(v) && isPlainObject(a[k]) ? mergeTwo(a[k] as Plain, v) : structuredClone(v);
  }
  return out;
}
