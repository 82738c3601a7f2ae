// The README's architecture map as rules over imports. A layer is a top-level folder (runtime's
// parts count as their own layers); `may` lists what its files may import besides their own layer.
// New folders inside a layer (targets/swarm/, an ACME module in edge/, S3 stores in backup/ or
// runtime/core/) follow their layer's rule. Anything the map does not allow is listed once in
// EXCEPTIONS with the reason it stays; the README names the same exceptions.

export interface Layer {
  /** Path prefix (a folder with a trailing slash, or one file). */
  path: string;
  may: string[];
}

export const LAYERS: Record<string, Layer> = {
  cli: { path: 'cli/', may: ['lib', 'contract', 'profile', 'plan', 'templates', 'validate', 'targets', 'edge', 'state', 'checks', 'backup', 'loadtest'] },
  lib: { path: 'lib/', may: [] },
  contract: { path: 'contract/', may: [] },
  profile: { path: 'profile/', may: ['lib'] },
  plan: { path: 'plan/', may: ['lib', 'contract', 'profile'] },
  templates: { path: 'templates/', may: ['lib', 'contract', 'profile', 'plan'] },
  validate: { path: 'validate/', may: ['lib', 'plan'] },
  targets: { path: 'targets/', may: ['lib', 'contract', 'profile', 'plan', 'templates', 'edge', 'state', 'engine'] },
  engine: { path: 'engine/', may: ['lib'] },
  edge: { path: 'edge/', may: ['lib', 'contract', 'profile', 'plan', 'state'] },
  state: { path: 'state/', may: ['lib', 'contract', 'plan'] },
  checks: { path: 'checks/', may: ['lib', 'contract', 'profile', 'plan', 'templates', 'state', 'edge', 'backup'] },
  backup: { path: 'backup/', may: ['lib', 'contract', 'profile', 'plan', 'state', 'engine'] },
  loadtest: { path: 'loadtest/', may: ['lib', 'contract', 'profile', 'plan'] },
  'runtime/core': { path: 'runtime/core/', may: ['contract'] },
  'runtime/api': { path: 'runtime/api/', may: ['contract', 'runtime/core'] },
  'runtime/worker': { path: 'runtime/worker/', may: ['contract', 'runtime/core'] },
  'runtime/healthcheck': { path: 'runtime/healthcheck.ts', may: ['contract'] },
};

/**
 * Modules that must stay free of effects: they may not import these (node's file, process and
 * network modules, and the clients of external systems).
 */
export const PURE_LAYERS = ['contract', 'plan', 'templates'];
export const EFFECT_MODULES = [
  /^node:(fs|fs\/promises|child_process|net|http|https|dgram|worker_threads|cluster)$/,
  /^(fs|child_process|net|http|https)$/,
  /^(dockerode|pg|ioredis|bullmq|execa|undici)$/,
  /^@aws-sdk\//,
];

/**
 * Layers other layers reach only through these files (one door per effect): the CLI picks a target
 * and calls the Target interface, it does not reach into a target's parts.
 */
export const DOORS: Record<string, string[]> = {
  targets: ['targets/types.ts', 'targets/select-target.ts'],
};

/** Modules only some places may import, whatever their layer allows. */
export const RESTRICTED: { module: string; only: string[]; why: string }[] = [
  {
    module: 'lib/local-postgres.ts',
    only: ['validate/', 'backup/scratch.ts', 'backup/parts/pg-tools.ts', 'backup/parts/pg-basebackup.ts', 'backup/pitr/recovery-server.ts', 'targets/native/postgres-bootstrap.ts', 'lib/local-redis.ts'],
    why: 'starts throwaway Postgres servers (validate/, backup/scratch.ts, the WAL replay of a point-in-time restore); others use only findPgBin',
  },
  { module: 'lib/local-redis.ts', only: ['validate/', 'backup/scratch.ts'], why: 'starts throwaway Redis servers for validate/ and backup/scratch.ts' },
];

/** Arrows the map does not allow, each with why it stays. `from`/`to` are files or folder prefixes. */
export const EXCEPTIONS: { from: string; to: string; why: string }[] = [
  { from: 'cli/run-migrate.ts', to: 'runtime/core/migrate.ts', why: '`prodctl migrate` runs the runtime\'s own migrator, so both apply the same files the same way' },
  { from: 'cli/run-keys.ts', to: 'runtime/core/api-keys.ts', why: '`prodctl keys` creates keys exactly as the runtime checks them (format, peppered hash)' },
  { from: 'cli/run-loadtest.ts', to: 'runtime/core/api-keys.ts', why: 'the load test mints its API key the way `prodctl keys` does' },
  { from: 'targets/native/native-up.ts', to: 'runtime/core/migrate.ts', why: 'the native target migrates before starting the API, with the runtime\'s migrator' },
  { from: 'targets/native/probe-key.ts', to: 'runtime/core/api-keys.ts', why: 'the native stack mints its status probe\'s key exactly as `prodctl keys` does' },
  { from: 'templates/render-all.ts', to: 'loadtest/render-k6.ts', why: 'the k6 script is one of the files `prodctl render` writes; its renderer lives with the scenarios it renders' },
  { from: 'backup/stores/s3.ts', to: 'runtime/core/s3-client.ts', why: 'backups and the runtime reach a bucket through one S3 client setup (path style, checksums Ceph accepts, outage errors)' },
  { from: 'backup/stores/s3.ts', to: 'runtime/core/s3-upload-sink.ts', why: 'backup sets stream into a bucket through the runtime\'s multipart sink, checked by ETag the same way' },
  { from: 'cli/run-node.ts', to: 'targets/swarm/node-labels.ts', why: '`prodctl node label` labels Swarm nodes: a cluster operation with no stack (and no Target) to go through' },
  { from: 'cli/run-node.ts', to: 'engine/engine.ts', why: '`prodctl node label` talks to the Swarm manager at DOCKER_HOST, with no stack to pick a target from' },
  { from: 'cli/run-restore-pitr.ts', to: 'targets/native/', why: 'a point-in-time restore on native stops the stack\'s Postgres and finds its binaries and data folder (to go behind the target)' },
  { from: 'cli/run-tls.ts', to: 'targets/native/', why: '`prodctl tls` on native swaps the certificate of the running HAProxy through its admin socket (to go behind the target)' },
  { from: 'cli/drill/run-drill.ts', to: 'targets/native/supervisor/', why: '`prodctl drill` kills one native process (kill -9 of a worker, a Postgres or Redis stop) through the supervisor and finds its files; the Target has no fault-injection operation yet' },
];

/** Files in a pure layer that may have effects, with why. */
export const EFFECT_EXCEPTIONS: { file: string; why: string }[] = [
  { file: 'templates/write-rendered.ts', why: 'writes the rendered files to the output folder: the one effect of `prodctl render`' },
];
