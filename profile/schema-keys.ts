// Walks the zod schema along a key path to list the keys allowed there (for did-you-mean).
import type { z } from 'zod';

type AnyDef = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; valueType?: z.ZodType; element?: z.ZodType; in?: z.ZodType };

export function allowedKeysAt(schema: z.ZodType, path: (string | number)[]): string[] {
  let cur: z.ZodType | undefined = unwrap(schema);
  for (const key of path) {
    if (!cur) return [];
    const def = defOf(cur);
    if (def.type === 'object') cur = def.shape?.[String(key)];
    else if (def.type === 'record') cur = def.valueType;
    else if (def.type === 'array') cur = def.element;
    else return [];
    cur = cur ? unwrap(cur) : undefined;
  }
  const def = cur ? defOf(cur) : undefined;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function defOf(s: z.ZodType): AnyDef {
  return (s as unknown as { _zod: { def: AnyDef } })._zod.def;
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (;;) {
    const def = defOf(cur);
    if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault') && def.innerType) cur = def.innerType;
    else if (def.type === 'pipe' && def.in) cur = def.in;
    else return cur;
  }
}
