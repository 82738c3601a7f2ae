// The hand-made baseline that the static-check tests break one thing at a time must itself be
// real: each file is accepted by the tool or published schema that reads it.
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/services.js';
import { FIXTURES } from './fixture-stack.js';

const SCHEMAS = path.resolve(FIXTURES, '../../../schemas/vendor');
const BASE = path.join(FIXTURES, 'baseline');
const tmp = makeTempDir('prodctl-check-baseline-');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function validate(schemaFile: string, file: string): unknown[] {
  // The compose schema names its meta-schema by an https URL Ajv does not bundle; the schema itself is used as is.
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  (addFormats as unknown as { default?: (a: Ajv) => void }).default?.(ajv) ?? (addFormats as unknown as (a: Ajv) => void)(ajv);
  const v = ajv.compile(JSON.parse(readFileSync(path.join(SCHEMAS, schemaFile), 'utf8')));
  v(parse(readFileSync(path.join(BASE, file), 'utf8'), { merge: true }));
  return v.errors ?? [];
}

describe('baseline fixture files are valid for their tools', () => {
  it('compose.yaml against the Compose spec schema', () => expect(validate('compose-spec.schema.json', 'compose.yaml')).toEqual([]));
  it('Traefik static and dynamic against the Traefik v3 schemas', () => {
    expect(validate('traefik-v3.schema.json', 'traefik/traefik.yaml')).toEqual([]);
    expect(validate('traefik-v3-file-provider.schema.json', 'traefik/dynamic.yaml')).toEqual([]);
  });
  it('prometheus.yml and the rules with promtool; alertmanager.yml with amtool', () => {
    cpSync(path.join(BASE, 'prometheus'), path.join(tmp, 'prometheus'), { recursive: true });
    expect(execFileSync('promtool', ['check', 'config', '--syntax-only', path.join(tmp, 'prometheus/prometheus.yml')], { encoding: 'utf8' })).toMatch(/SUCCESS/);
    expect(execFileSync('promtool', ['check', 'rules', path.join(BASE, 'prometheus/rules/alerts.yml')], { encoding: 'utf8' })).toMatch(/SUCCESS: 9 rules found/);
    expect(execFileSync('amtool', ['check-config', path.join(BASE, 'alertmanager/alertmanager.yml')], { encoding: 'utf8' })).toMatch(/SUCCESS/);
  });
});
