-- Users, API keys, files, jobs (the durable record of every job) and the audit trail.
CREATE TABLE users (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL UNIQUE,
  oidc_subject text UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  prefix      text NOT NULL,
  key_hash    text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
CREATE INDEX api_keys_user_idx ON api_keys(user_id);

CREATE TABLE files (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id       uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  sha256        text NOT NULL,
  bytes         bigint NOT NULL,
  pages         integer,
  filename      text,
  source_job_id uuid,
  output_index  integer,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source_job_id, output_index)
);
CREATE INDEX files_user_idx ON files(user_id);
CREATE INDEX files_sha_idx ON files(sha256);

CREATE TABLE jobs (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  op              text NOT NULL,
  inputs          uuid[] NOT NULL,
  params          jsonb NOT NULL DEFAULT '{}',
  state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'active', 'completed', 'failed')),
  progress        integer NOT NULL DEFAULT 0,
  attempts        integer NOT NULL DEFAULT 0,
  error           text,
  result          uuid[] NOT NULL DEFAULT '{}',
  info            jsonb,
  idempotency_key text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  started_at      timestamptz,
  finished_at     timestamptz,
  UNIQUE (user_id, idempotency_key)
);
CREATE INDEX jobs_user_idx ON jobs(user_id);
CREATE INDEX jobs_state_idx ON jobs(state) WHERE state IN ('queued', 'active');

CREATE TABLE audit (
  id         bigserial PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT now(),
  user_id    uuid,
  action     text NOT NULL,
  subject    text,
  detail     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_at_idx ON audit(at);
