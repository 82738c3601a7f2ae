// Every log line goes through redact(): secrets must never reach a terminal, a file or CI output.
const SECRET_KEY = /(pass(word)?|secret|token|api[-_]?key|authorization|pepper|private[-_]?key|credential)/i;
const INLINE_PATTERNS: RegExp[] = [
  /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi,
  /(pdk_)[A-Za-z0-9_-]{8,}/g, // prodctl API keys
  /((?:postgres(?:ql)?|redis|rediss):\/\/[^:/@\s]*:)[^@\s]+(@)/gi,
  /((?:password|passwd|secret|token)\s*[=:]\s*)[^\s&"',]+/gi,
];

const known = new Set<string>();

/** Register a secret value read from a file so that it is masked wherever it appears. */
export function registerSecret(value: string): void {
  const v = value.trim();
  if (v.length >= 6) known.add(v);
}

export function redactText(text: string): string {
  let out = text;
  for (const v of known) out = out.split(v).join('***');
  for (const re of INLINE_PATTERNS) {
    out = out.replace(re, (_m, a: string, b?: string) => `${a}***${typeof b === 'string' && b.length === 1 ? b : ''}`);
  }
  return out;
}

export function redactValue(value: unknown, depth = 0): unknown {
  if (depth > 8) return value;
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && !k.endsWith('_file') && !k.endsWith('File') && typeof v !== 'object' ? '***' : redactValue(v, depth + 1);
    }
    return out;
  }
  return value;
}
