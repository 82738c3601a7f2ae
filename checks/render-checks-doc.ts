// docs/checks.md is generated from the registry (and a test keeps it in sync): the usage, then
// every check with its id, severity, scope, rationale, remediation and references.
import { ALL_CHECKS } from './registry.js';
import { CATEGORIES } from './types.js';

const USAGE = `# prodctl check

The production checklist as code. Every item a machine can judge is a check with a stable id,
a category, a severity, a scope (\`static\`: the plan and the rendered files; \`live\`: the running
stack), a rationale, a remediation and references. This file is generated from \`checks/registry.ts\`
(\`npx tsx scripts/gen-checks-doc.ts\`; a test fails when it is out of date).

## Usage

\`\`\`sh
prodctl check                                   # static + live, fail on high and above
prodctl check --static-only --sarif out.sarif   # CI gate on the rendered configs
prodctl check --fail-on medium --junit checks.xml
prodctl check --only REL-101,DATA-102 --json
prodctl check --ignore SEC-002
prodctl check --report readiness.md             # sign-off report by checklist section, with a score
prodctl check --list                            # every check
\`\`\`

| Flag | Meaning |
| --- | --- |
| \`--fail-on <critical\\|high\\|medium\\|low>\` | exit 1 when a check at or above this severity fails (default \`high\`) |
| \`--static-only\` / \`--live-only\` | only one scope |
| \`--only IDS\` / \`--ignore IDS\` | comma-separated check ids; unknown ids are a usage error (exit 2) |
| \`--json\` | the whole run as JSON on stdout |
| \`--junit FILE\` | JUnit XML: one testsuite per category; fail → \`<failure>\`, skip/waived → \`<skipped>\` |
| \`--sarif FILE\` | SARIF 2.1.0: one rule per check, one result per warn/fail/waived (waived = suppression) |
| \`--report FILE\` | readiness.md: results by checklist section (infrastructure, services, testing, monitoring, backups, security), evidence, score, waivers, sign-off table |
| \`--api-key-file FILE\` | API key of the check user for the rate-limit probe (also \`PRODCTL_CHECK_API_KEY\`, or \`<state>/check-api-key\`) |
| \`--endpoints FILE\` | endpoints of the running stack (default: native \`<state>/native/endpoints.json\`; docker/swarm: \`<state>/docker/endpoints.json\` if present, else the engine's containers labelled \`prodctl.project\`) |

**Exit codes:** 0 — nothing failed at or above \`--fail-on\`; 1 — a check failed (or \`--live-only\` and no running
stack); 2 — usage or config error.

**Live checks** find the stack through the endpoints file the native target writes, or on Docker through the
engine (container addresses on the stack networks, ports from the plan). Without either, live checks are
skipped with a warning (and \`--live-only\` exits 1). The rate-limit probe needs a dedicated user:
\`prodctl keys create --user prodctl-check --json\`, then pass the key with \`--api-key-file\`.

**On the native target** (\`prodctl up\`) every live check runs against the real processes; SEC-103 (\`docker
inspect\`) is skipped there, and SEC-102 when \`project.domains\` is empty. Right after \`up\`, OPS-101 warns
(not fails) for targets Prometheus has not scraped yet. Measured on the small preset run natively (2 shared
cores): \`prodctl check --live-only\` takes about 1.0 s as a CLI process (≈0.25 s in the checks), the full
75-check run about 1.0 s (\`test/checks/native-live.test.ts\`, which also breaks Redis' eviction policy, stops
every worker and deletes the backups, and sees REL-101, REL-106/OPS-101 and DATA-102/DATA-103 fail).

**Waivers** live in the profile and always show in every report; an expired waiver fails the check it names:

\`\`\`yaml
checks:
  waive:
    - { id: SEC-002, reason: "vendor image writes to /var/cache; fix tracked in OPS-123", expires: 2026-12-31 }
\`\`\`

**Score:** each check weighs by severity (critical 10, high 5, medium 2, low 1); pass counts fully, warn and
waived half, fail nothing; skipped checks do not count.
`;

export function renderChecksDoc(): string {
  const out = [USAGE, '## Checks', '', `${ALL_CHECKS.filter((c) => c.scope === 'static').length} static and ${ALL_CHECKS.filter((c) => c.scope === 'live').length} live checks.`, ''];
  for (const cat of CATEGORIES) {
    out.push(`### ${cat}`, '', '| Id | Severity | Scope | Check | Remediation |', '| --- | --- | --- | --- | --- |');
    for (const c of ALL_CHECKS.filter((x) => x.category === cat)) out.push(`| ${c.id} | ${c.severity} | ${c.scope} | **${c.title}** — ${c.rationale} _(${c.references.join('; ')})_ | ${c.remediation.replace(/\|/g, '\\|')} |`);
    out.push('');
  }
  return out.join('\n');
}
