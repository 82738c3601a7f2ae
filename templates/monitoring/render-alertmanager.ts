// alertmanager/alertmanager.yml: one route tree, receivers from the profile. Pure.
import { stringify } from 'yaml';
import type { StackPlan } from '../../plan/types.js';
import type { RenderedFile } from '../types.js';
import type { MonitoringSettings } from './monitoring-settings.js';
import { header } from './render-prometheus.js';

export function renderAlertmanagerConfig(plan: StackPlan, s: MonitoringSettings): RenderedFile {
  const am = plan.profile.monitoring.alertmanager;
  const receivers = am.receivers.map((r) => ({
    name: r.name,
    ...(r.webhook_url ? { webhook_configs: [{ url: r.webhook_url, send_resolved: true }] } : {}),
    ...(r.email ? { email_configs: [{ to: r.email, send_resolved: true }] } : {}),
  }));
  const config = {
    ...(am.smtp ? { global: { smtp_smarthost: am.smtp.smarthost, smtp_from: am.smtp.from } } : {}),
    route: {
      receiver: am.receivers[0].name,
      group_by: ['alertname', 'service'],
      // Scaled with the scrape interval like the rules: 10s/5m/4h at 15 s.
      group_wait: scaled(10, s),
      group_interval: scaled(300, s),
      repeat_interval: '4h',
      // Every receiver gets every alert: a matching child route replaces the root receiver, so
      // with several receivers each has its own catch-all route that continues to the next.
      ...(am.receivers.length > 1 ? { routes: am.receivers.map((r) => ({ receiver: r.name, matchers: ['alertname=~".+"'], continue: true })) } : {}),
    },
    inhibit_rules: [
      // When Redis or Postgres is down, the queue and API symptoms are noise.
      { source_matchers: ['alertname=~"RedisDown|PostgresDown"'], target_matchers: ['service=~"api|queue"'] },
    ],
    receivers,
  };
  return { path: 'alertmanager/alertmanager.yml', content: header('Alertmanager configuration') + stringify(config, { lineWidth: 0 }) };
}

function scaled(nominalSeconds: number, s: MonitoringSettings): string {
  return `${Math.max(1, Math.round((nominalSeconds * s.scrapeSeconds) / 15))}s`;
}
