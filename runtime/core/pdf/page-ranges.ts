// Page ranges like "1-3,5,8-" (1-based, inclusive, open end = last page) → 0-based indices.

export class BadInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadInputError';
  }
}

export const PAGE_RANGES_PATTERN = '^\\s*\\d+\\s*(-\\s*\\d*\\s*)?(,\\s*\\d+\\s*(-\\s*\\d*\\s*)?)*$';

export function parsePageRanges(spec: string, pageCount: number): number[] {
  if (!new RegExp(PAGE_RANGES_PATTERN).test(spec)) throw new BadInputError(`bad page range '${spec}': expected e.g. 1-3,5,8-`);
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const [a, b] = part.split('-').map((s) => s.trim());
    const start = Number(a);
    const end = b === undefined ? start : b === '' ? pageCount : Number(b);
    if (start < 1 || end < start || end > pageCount) {
      throw new BadInputError(`page range '${part.trim()}' is outside 1-${pageCount}`);
    }
    for (let p = start; p <= end; p++) out.push(p - 1);
  }
  return out;
}
