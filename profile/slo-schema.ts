// The `slo:` block: service level objectives as data (in the spirit of OpenSLO and Sloth), from
// which the recording rules, burn-rate alerts, dashboard and `prodctl slo` are generated.
import { z } from 'zod';
import { isDuration } from './units.js';

const duration = z
  .string({ error: 'expected a duration like 5m, 1h or 30d' })
  .refine(isDuration, { message: 'expected a duration like 5m, 1h, 3d or 30d' });
const target = z
  .number({ error: 'expected a percentage like 99.5' })
  .gt(0, { message: 'must be > 0' })
  .lt(100, { message: 'must be < 100 (a 100 % objective leaves no error budget)' })
  .meta({ description: 'Objective in percent of good events, e.g. 99.5' });

const objective = z.object({ enabled: z.boolean(), target }).strict();
const latencyObjective = z
  .object({
    enabled: z.boolean(),
    target,
    threshold: duration.meta({ description: 'A request is good when it is answered within this time; must be one of the API histogram buckets' }),
  })
  .strict();

const burnAlert = z
  .object({
    enabled: z.boolean(),
    severity: z.enum(['page', 'ticket']),
    factor: z.number().positive({ message: 'must be > 0' }).meta({ description: 'Burn rate: how many times faster than the budget allows (1 = exactly the whole budget in the SLO window)' }),
    long_window: duration,
    short_window: duration.meta({ description: 'Confirms the burn is still going on, so the alert resolves soon after it stops' }),
  })
  .strict();

const probesSchema = z
  .object({
    enabled: z.boolean().meta({ description: 'Probe the edge from outside with the blackbox exporter: GET /readyz and one authenticated status call' }),
    interval: duration.meta({ description: 'How often each probe runs (the scrape interval of the probe jobs)' }),
    timeout: duration.meta({ description: 'A probe that takes longer fails' }),
    api_key_secret: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/, { message: 'expected the name of an entry under secrets:' })
      .optional()
      .meta({ description: 'Secret holding a pdk_ API key for the status probe (prodctl keys create --user prodctl-probe). The native target mints one itself when unset' }),
    image: z.string().regex(/^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?(@sha256:[a-f0-9]{64})?$/, { message: 'expected an image reference like prom/blackbox-exporter:v0.25.0' }).meta({ description: 'Image of the blackbox exporter (engine targets)' }),
    tls_insecure_skip_verify: z.boolean().meta({ description: 'Accept an edge certificate that does not verify (a self-signed placeholder); the expiry is still reported' }),
  })
  .strict();

export const DEFAULT_PROBES: z.infer<typeof probesSchema> = {
  enabled: true,
  interval: '15s',
  timeout: '5s',
  image: 'prom/blackbox-exporter:v0.25.0',
  tls_insecure_skip_verify: false,
};

export const sloSchema = z
  .object({
    window: duration.meta({ description: 'The rolling window the objectives and the error budget are measured over' }),
    objectives: z
      .object({
        availability: objective.meta({ description: 'Share of API answers that are not 5xx (health probes excluded)' }),
        upload_latency: latencyObjective.meta({ description: 'Share of uploads (POST /v1/files) answered within threshold' }),
        status_latency: latencyObjective.meta({ description: 'Share of status checks (GET /v1/jobs/:id) answered within threshold' }),
        job_success: objective.meta({ description: 'Share of finished jobs that completed (after all attempts)' }),
      })
      .strict(),
    burn_alerts: z
      .object({ page_fast: burnAlert, page_slow: burnAlert, ticket: burnAlert })
      .strict()
      .meta({ description: 'Multi-window burn-rate alerts (SRE Workbook): an alert fires while the error ratio over both windows exceeds factor × (1 − target)' }),
    probes: probesSchema.default(DEFAULT_PROBES).meta({ description: 'Uptime seen from outside: black-box probes of the edge, counted as the probe_availability SLO' }),
  })
  .strict();

export type SloProfile = z.infer<typeof sloSchema>;

/** The customer's success metrics (uptime > 99.5 %) and the SRE Workbook's burn-rate alerts. */
export const DEFAULT_SLO: SloProfile = {
  window: '30d',
  objectives: {
    availability: { enabled: true, target: 99.5 },
    upload_latency: { enabled: true, target: 99, threshold: '5s' },
    status_latency: { enabled: true, target: 99, threshold: '1s' },
    job_success: { enabled: true, target: 99 },
  },
  burn_alerts: {
    page_fast: { enabled: true, severity: 'page', factor: 14.4, long_window: '1h', short_window: '5m' },
    page_slow: { enabled: true, severity: 'page', factor: 6, long_window: '6h', short_window: '30m' },
    ticket: { enabled: true, severity: 'ticket', factor: 1, long_window: '3d', short_window: '6h' },
  },
  probes: DEFAULT_PROBES,
};
