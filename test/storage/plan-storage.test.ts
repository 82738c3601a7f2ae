// storage.kind: s3 reaches both app roles as the contract's env names, with the bucket's keys as
// mounted secret files (never values); local storage adds none of it.
import { describe, expect, it } from 'vitest';
import { ENV } from '../../contract/index.js';
import { planExample } from '../render/load-example.js';

const S3_SETS = [
  'storage.kind=s3',
  'storage.s3.endpoint=http://rgw.internal:7480',
  'storage.s3.region=eu-west-1',
  'storage.s3.bucket=pdf-prod',
  'storage.s3.prefix=uploads/',
  'storage.s3.path_style=true',
  'storage.s3.access_key_secret=api_key_pepper',
  'storage.s3.secret_key_secret=backup_key',
];

describe('storage settings in the plan', () => {
  it('gives api and worker the bucket and the key files when storage.kind is s3', async () => {
    const plan = await planExample('medium', S3_SETS);
    for (const name of ['api', 'worker']) {
      const svc = plan.services.find((s) => s.name === name)!;
      expect(svc.env).toMatchObject({
        [ENV.storageKind]: 's3',
        [ENV.s3Endpoint]: 'http://rgw.internal:7480',
        [ENV.s3Region]: 'eu-west-1',
        [ENV.s3Bucket]: 'pdf-prod',
        [ENV.s3Prefix]: 'uploads/',
        [ENV.s3ForcePathStyle]: '1',
        [ENV.s3AccessKeyIdFile]: '/run/secrets/api_key_pepper',
        [ENV.s3SecretAccessKeyFile]: '/run/secrets/backup_key',
      });
      expect(svc.secrets.map((s) => s.name)).toEqual(expect.arrayContaining(['api_key_pepper', 'backup_key']));
    }
  });

  it('adds no S3 settings for local storage', async () => {
    const plan = await planExample('medium');
    const worker = plan.services.find((s) => s.name === 'worker')!;
    expect(Object.keys(worker.env).filter((k) => k.startsWith('S3_') || k === ENV.storageKind)).toEqual([]);
    expect(worker.secrets.map((s) => s.name)).not.toContain('backup_key');
  });

  it('refuses kind s3 without a bucket, naming the key', async () => {
    const err = await planExample('medium', ['storage.kind=s3']).catch((e: { problems: string[] }) => e);
    expect((err as { problems: string[] }).problems.join('\n')).toMatch(/storage\.kind: expected a storage\.s3 block/);
  });
});
