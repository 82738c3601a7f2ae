// Turns one zod issue into the words of a profile error line: "expected X, found Y", plus a
// did-you-mean for unknown keys.
import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';
import { describeValue } from './source-doc.js';

type Issue = z.core.$ZodIssue;

export function describeIssue(issue: Issue, input: unknown): string {
  const found = `found ${describeValue(input)}`;
  switch (issue.code) {
    case 'invalid_type':
      // A schema-specific message ("expected a duration like 30s") says more than the bare type.
      return /^expected /.test(issue.message) ? `${issue.message}, ${found}` : `expected ${article(issue.expected)}, ${found}`;
    case 'too_small':
      return `expected ${boundText(issue.origin, issue.inclusive ? '≥' : '>', issue.minimum)}, ${found}`;
    case 'too_big':
      return `expected ${boundText(issue.origin, issue.inclusive ? '≤' : '<', issue.maximum)}, ${found}`;
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, ${found}`;
    case 'not_multiple_of':
      return `expected a multiple of ${issue.divisor}, ${found}`;
    case 'invalid_union':
      return `${expectedFrom(issue.message, 'expected a valid value')}, ${found}`;
    default:
      return `${expectedFrom(issue.message, 'expected a valid value')}, ${found}`;
  }
}

function expectedFrom(message: string, fallback: string): string {
  if (/^expected /i.test(message)) return message;
  if (/^must /i.test(message)) return `expected a value that ${message}`;
  return message && !message.startsWith('Invalid') ? `expected ${message}` : fallback;
}

function boundText(origin: string, op: string, bound: unknown): string {
  if (origin === 'array') return `a list with ${op} ${String(bound)} entries`;
  if (origin === 'string') return `a text with ${op} ${String(bound)} characters`;
  return `a number ${op} ${String(bound)}`;
}

function article(t: string): string {
  const names: Record<string, string> = { object: 'a mapping', array: 'a list', number: 'a number', string: 'a text', boolean: 'true or false', int: 'a whole number' };
  return names[t] ?? t;
}

/** "did you mean 'replicas'?" when an unknown key is a near miss of an allowed one. */
export function suggestKey(key: string, allowed: string[]): string {
  if (allowed.length === 0) return '';
  const best = closest(key, allowed);
  return distance(key, best) <= Math.max(2, Math.floor(best.length / 3)) ? ` — did you mean '${best}'?` : ` — allowed: ${allowed.join(', ')}`;
}

/** Keys that moved: an old profile gets told where the key lives now instead of a bare "unknown key". */
const MOVED_KEYS: Record<string, string> = {
  'edge.traefik.acme_email': 'edge.tls.acme.email',
  'edge.traefik.acme_ca_server': 'edge.tls.acme.directory',
  'edge.traefik.https_redirect': 'edge.tls.https_redirect',
  'edge.traefik.hsts': 'edge.tls.hsts',
};

/** " — moved to edge.tls.hsts (…)" for a key that moved, else null. */
export function movedKeyHint(keyPath: string): string | null {
  const to = MOVED_KEYS[keyPath];
  return to ? ` — it moved to ${to} (both edges, HAProxy and Traefik, read it there)` : null;
}
