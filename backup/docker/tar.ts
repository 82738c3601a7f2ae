// Tar for the Engine's archive endpoints (GET/PUT /containers/{id}/archive), on tar-stream: read
// the regular files of a getArchive stream, and write files and folders for putArchive. Both ways
// stream with back-pressure, so an RDB or blob of any size never sits in memory. tar-stream does
// the format (ustar, PAX and GNU long names, base-256 sizes); this file only adapts its streams to
// the Node streams the rest of the backup code uses and turns its errors into BackupErrors.
import { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { extract, pack } from 'tar-stream';
import { BackupError } from '../../lib/errors.js';

/** What this file uses of tar-stream's (streamx) entry streams. */
type ArchiveEntry = AsyncIterable<Buffer> & { header: { name: string; size: number; type: string }; resume(): unknown };
type EntrySink = {
  written: number;
  write(chunk: Buffer): boolean;
  end(): unknown;
  destroy(err?: Error | null): void;
  on(event: 'drain' | 'close' | 'error', fn: () => void): unknown;
  off(event: 'drain' | 'close', fn: () => void): unknown;
};

/** tar-stream's errors as a message an operator can act on; others (the engine's) pass as they are. */
function readError(err: unknown): unknown {
  if (err instanceof BackupError || !(err instanceof Error)) return err;
  if (err.message === 'Unexpected end of data') return new BackupError('the archive from the engine ended early', 'try again; check the engine log');
  if (/^Invalid (tar )?header|^Header exceeds/.test(err.message)) return new BackupError(`the archive from the engine is malformed: ${err.message}`, 'try again; check the engine log');
  return err;
}

/**
 * An entry's bytes as they arrive, from its iterator. The iterator is taken when the entry is
 * handed out, so that an error the archive meets before the body is read (it ended early) is
 * still the one its reader gets. Not `for await`: leaving that loop early would destroy the whole
 * archive, while what the consumer leaves of one entry is just skipped by readTarEntries.
 */
async function* readBody(it: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  for (;;) {
    const r = await it.next().catch((err: unknown) => {
      throw readError(err);
    });
    if (r.done) return;
    yield r.value;
  }
}

export interface TarEntry {
  /** Path inside the archive, as the engine wrote it. */
  name: string;
  size: number;
  /** The entry's bytes; read it (or not) before asking for the next entry. */
  body: AsyncGenerator<Buffer>;
}

/** Every regular file of a tar stream, in order, streamed. Closing the generator early stops reading `src`. */
export async function* readTarEntries(src: Readable): AsyncGenerator<TarEntry> {
  const archive = extract();
  src.on('error', (err) => archive.destroy(err));
  src.pipe(archive as unknown as NodeJS.WritableStream);
  try {
    for await (const entry of archive as AsyncIterable<ArchiveEntry>) {
      const { name, size, type } = entry.header;
      if (type === 'file' || type === 'contiguous-file') yield { name, size, body: readBody(entry[Symbol.asyncIterator]()) };
      entry.resume(); // whatever the consumer left flows past unread
    }
  } catch (err) {
    throw readError(err);
  } finally {
    src.unpipe();
    src.destroy();
    archive.destroy();
  }
}

/**
 * The content of the first regular file of a tar stream, streamed; the rest is not read. A
 * getArchive of a file path yields exactly one entry (possibly behind a PAX header).
 */
export function readFirstFile(src: Readable): Readable {
  async function* firstBody(): AsyncGenerator<Buffer> {
    for await (const entry of readTarEntries(src)) {
      yield* entry.body;
      return;
    }
    throw new BackupError('the archive from the engine ended early or held no file', 'is the path a regular file in the container?');
  }
  return Readable.from(firstBody(), { objectMode: false });
}

export interface TarMeta {
  mode: number;
  uid: number;
  gid: number;
}

export interface TarWriter {
  /** The archive's bytes, for putArchive; produced only as fast as they are read. */
  readonly archive: NodeJS.ReadableStream;
  /** A folder entry (`name` ends with "/"). */
  addFolder(name: string, meta: TarMeta): void;
  /**
   * A file of exactly `size` bytes that `fill` streams into the sink; resolves with what `fill`
   * resolves once the entry is complete. One file at a time.
   */
  addFile<T>(name: string, size: number, meta: TarMeta, fill: (sink: Writable) => Promise<T>): Promise<T>;
  /** Ends the archive after the last entry. */
  finish(): void;
  /** Stops the archive; its reader sees `err`. */
  abort(err: Error): void;
}

/** The Node Writable `fill` writes into: one tar entry's body, honouring its back-pressure. */
function createEntrySink(entry: EntrySink, done: Promise<void>, name: string, size: number): Writable {
  const failed = (err: Error) => (err.message === 'Size mismatch' ? new BackupError(`tar: ${name} was given ${entry.written} bytes where its header says ${size}`, 'the set is corrupt or this is a prodctl bug') : err);
  const whenDone = (cb: (err?: Error | null) => void) => done.then(() => cb(), (err: Error) => cb(failed(err)));
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (entry.write(chunk)) return cb();
      const settle = (next: () => void) => {
        entry.off('drain', onDrain);
        entry.off('close', onClose);
        next();
      };
      const onDrain = () => settle(() => cb());
      const onClose = () => settle(() => whenDone(cb)); // the archive was stopped while this waited
      entry.on('drain', onDrain);
      entry.on('close', onClose);
    },
    final(cb) {
      entry.end();
      whenDone(cb);
    },
    destroy(err, cb) {
      if (err) entry.destroy(err);
      cb(err);
    },
  });
}

export function createTarWriter(): TarWriter {
  const archive = pack();
  return {
    archive: archive as unknown as NodeJS.ReadableStream,
    addFolder(name, meta) {
      archive.entry({ name, type: 'directory', ...meta });
    },
    async addFile(name, size, meta, fill) {
      let settle!: (err?: Error | null) => void;
      const done = new Promise<void>((resolve, reject) => (settle = (err) => (err ? reject(err) : resolve())));
      done.catch(() => {}); // awaited below, unless fill fails first
      const entry = archive.entry({ name, size, type: 'file', ...meta }, (err) => settle(err)) as unknown as EntrySink;
      entry.on('error', () => {}); // its error arrives through the callback above
      const sink = createEntrySink(entry, done, name, size);
      const out = await fill(sink);
      if (!sink.writableEnded) sink.end();
      await finished(sink); // the entry is complete (or its error, e.g. a size that does not match)
      return out;
    },
    finish() {
      archive.finalize();
    },
    abort(err) {
      archive.destroy(err);
    },
  };
}
