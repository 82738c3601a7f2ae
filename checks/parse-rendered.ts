// Reads the rendered files as data, once, so checks judge what prodctl actually wrote rather than
// re-deriving it from the profile. Files are recognised by content (a YAML with `scrape_configs`
// is the Prometheus config) so renames in templates/ do not silently disable a check.
import { parse as parseYaml } from 'yaml';
import type { RenderedFile } from '../templates/types.js';
import { readComposeServices, type ServiceView } from './service-view.js';

export interface AlertRule {
  alert: string;
  expr: string;
  file: string;
}

export interface ParsedFiles {
  /** Service views from compose.yaml when rendered, else from the plan (native). */
  services: ServiceView[];
  servicesSource: string;
  compose?: { path: string; doc: Record<string, any> };
  redisConf?: { path: string; settings: Map<string, string> };
  postgresConf?: { path: string; settings: Map<string, string> };
  traefikStatic?: { path: string; doc: Record<string, any> };
  traefikDynamic?: { path: string; doc: Record<string, any> }[];
  haproxy?: { path: string; text: string };
  prometheus?: { path: string; doc: Record<string, any> };
  alertRules: AlertRule[];
  alertRuleFiles: string[];
  alertmanager?: { path: string; doc: Record<string, any> };
  /** Files that could not be parsed: name and reason, reported by OPS-000. */
  unreadable: string[];
}

const isYaml = (p: string) => /\.ya?ml$/.test(p);

/** `key value` lines; the last occurrence wins, as in redis-server. */
export function parseRedisConf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (m) out.set(m[1].toLowerCase(), m[2].trim().replace(/^"(.*)"$/, '$1'));
  }
  return out;
}

/** `key = value  # comment`; quotes stripped; the last occurrence wins, as in postgres. */
export function parsePostgresConf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    const m = /^([A-Za-z_.]+)\s*=?\s*(.*)$/.exec(line);
    if (m && m[2] !== '') out.set(m[1].toLowerCase(), m[2].trim().replace(/^'(.*)'$/, '$1'));
  }
  return out;
}

export function parseRendered(files: RenderedFile[], planServices: () => ServiceView[]): ParsedFiles {
  const parsed: ParsedFiles = { services: [], servicesSource: 'plan', alertRules: [], alertRuleFiles: [], unreadable: [] };
  const dynamic: { path: string; doc: Record<string, any> }[] = [];
  for (const f of files) {
    if (/(^|\/)redis[^/]*\.conf$/.test(f.path)) parsed.redisConf = { path: f.path, settings: parseRedisConf(f.content) };
    else if (/(^|\/)postgresql[^/]*\.conf$/.test(f.path)) parsed.postgresConf = { path: f.path, settings: parsePostgresConf(f.content) };
    else if (/haproxy[^/]*\.cfg$/.test(f.path)) parsed.haproxy = { path: f.path, text: f.content };
    if (!isYaml(f.path)) continue;
    let doc: unknown;
    try {
      doc = parseYaml(f.content, { merge: true });
    } catch (err) {
      parsed.unreadable.push(`${f.path}: ${(err as Error).message.split('\n')[0]}`);
      continue;
    }
    if (!doc || typeof doc !== 'object') continue;
    const d = doc as Record<string, any>;
    if (/(^|\/)(docker-)?compose[^/]*\.ya?ml$/.test(f.path) && d.services) parsed.compose = { path: f.path, doc: d };
    else if (d.scrape_configs || (d.global && d.rule_files)) parsed.prometheus = { path: f.path, doc: d };
    else if (Array.isArray(d.groups) && d.groups.some((g: any) => Array.isArray(g?.rules))) collectRules(parsed, f.path, d);
    else if (d.route && Array.isArray(d.receivers)) parsed.alertmanager = { path: f.path, doc: d };
    else if (d.entryPoints || d.entrypoints) parsed.traefikStatic = { path: f.path, doc: d };
    else if (d.http?.routers || d.http?.middlewares || d.tls) dynamic.push({ path: f.path, doc: d });
  }
  if (dynamic.length > 0) parsed.traefikDynamic = dynamic;
  if (parsed.compose) {
    parsed.services = readComposeServices(parsed.compose.doc);
    parsed.servicesSource = parsed.compose.path;
  } else {
    parsed.services = planServices();
  }
  return parsed;
}

function collectRules(parsed: ParsedFiles, file: string, doc: Record<string, any>): void {
  parsed.alertRuleFiles.push(file);
  for (const g of doc.groups) {
    for (const r of g?.rules ?? []) {
      if (typeof r?.alert === 'string') parsed.alertRules.push({ alert: r.alert, expr: String(r.expr ?? ''), file });
    }
  }
}
