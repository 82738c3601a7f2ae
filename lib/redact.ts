// Every log line goes through redact(): secrets must never reach a terminal, a file or CI output.
// Whole words of a key (snake, kebab, dot or camel case): `pass` or `bypass` counts are no secrets.
const SECRET_WORDS = new Set(['password', 'passwd', 'secret', 'token', 'apikey', 'authorization', 'pepper', 'privatekey', 'credential', 'credentials']);
const KEEP_SUFFIX = /(_file|File|_ref|_secret)$/;
const INLINE_PATTERNS: RegExp[] = [
  /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi,
  /(pdk_)[A-Za-z0-9_-]{8,}/g, // prodctl API keys
  /((?:postgres(?:ql)?|redis|rediss):\/\/[^:/@\s]*:)[^@\s]+(@)/gi,
  // A key that IS the word (not `password_secret:`, which names a secret), then its value.
  /((?<![A-Za-z0-9_])(?:password|passwd|secret|token)\s*[=:]\s*)[^\s&"',]+/gi,
  /(\b[A-Z][A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN)=)[^\s&"',]+/g, // env style: PGPASSWORD=…
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
      out[k] = typeof v === 'string' && isSecretKey(k) ? '***' : redactValue(v, depth + 1);
    }
    return out;
  }
  return value;
}

function isSecretKey(key: string): boolean {
  if (KEEP_SUFFIX.test(key)) return false;
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  // Pairs catch api_key / private-key / apiKey as one word.
  return words.some((w, i) => SECRET_WORDS.has(w) || SECRET_WORDS.has(w + (words[i + 1] ?? '')));
}
