// SARIF 2.1.0: one rule per check (with help = remediation), one result per non-passing check,
// located in the rendered file its evidence names (or the profile for plan-level findings).
import type { CheckRun, CheckResult, Severity } from '../types.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note' };

function locationOf(r: CheckResult, profileUri: string): string {
  const m = r.evidence.map((e) => /^([\w./-]+\.(?:ya?ml|conf|cfg|json))(?::|\s)/.exec(e)?.[1]).find(Boolean);
  return m ?? profileUri;
}

export function renderSarif(run: CheckRun, opts: { version: string; profileUri: string; renderedBase?: string }): Record<string, unknown> {
  const rules = run.results.map((r) => ({
    id: r.id,
    name: r.title.replace(/[^A-Za-z0-9]+/g, ' ').trim().split(' ').map((w) => w[0].toUpperCase() + w.slice(1)).join(''),
    shortDescription: { text: r.title },
    fullDescription: { text: r.rationale },
    help: { text: `${r.remediation}\nReferences: ${r.references.join('; ')}` },
    defaultConfiguration: { level: LEVEL[r.severity] },
    properties: { category: r.category, severity: r.severity, scope: r.scope, section: r.section, tags: [r.category, r.scope] },
  }));
  const results = run.results
    .filter((r) => r.status === 'fail' || r.status === 'warn' || r.status === 'waived')
    .map((r) => ({
      ruleId: r.id,
      ruleIndex: run.results.indexOf(r),
      level: r.status === 'warn' ? 'warning' : LEVEL[r.severity],
      message: { text: `${r.title}: ${r.evidence.join('; ')}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: locationOf(r, opts.profileUri), ...(opts.renderedBase ? { uriBaseId: 'RENDERED' } : {}) } } }],
      ...(r.status === 'waived' ? { suppressions: [{ kind: 'external', status: 'accepted', justification: `${r.waiver?.reason} (expires ${r.waiver?.expires})` }] } : {}),
    }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'prodctl', version: opts.version, rules } },
        ...(opts.renderedBase ? { originalUriBaseIds: { RENDERED: { uri: `file://${opts.renderedBase.replace(/\/?$/, '/')}` } } } : {}),
        results,
        invocations: [{ executionSuccessful: true, startTimeUtc: run.startedAt, properties: { failOn: run.failOn, score: run.summary.score } }],
      },
    ],
  };
}
