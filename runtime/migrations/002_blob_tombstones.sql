-- Blobs whose last file row was deleted. They stay on disk until deleted_at + the grace period
-- (profile storage.blob_grace), so a database backup taken in between still finds its files; the
-- worker's sweeper removes them afterwards. A new row for the same content clears the tombstone.
CREATE TABLE blob_tombstones (
  sha256     text PRIMARY KEY,
  deleted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX blob_tombstones_deleted_idx ON blob_tombstones(deleted_at);
