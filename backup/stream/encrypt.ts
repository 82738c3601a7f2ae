// Chunked AES-256-GCM, so encryption and decryption stream with bounded memory and every chunk is
// authenticated on its own (a flipped byte fails at its chunk, not after buffering a whole file).
//
// Layout: header = MAGIC(4) | noncePrefix(8) | chunkSize(u32 BE); then records
//   flag(u8: 0 more, 1 final) | length(u32 BE) | ciphertext(length) | tag(16).
// Nonce = noncePrefix | counter(u32 BE). The AAD binds header, counter and flag, so chunks cannot be
// reordered, dropped or swapped between files, and the explicit final record detects truncation.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

const MAGIC = Buffer.from('PCE1');
const HEADER_LEN = 16;
const TAG_LEN = 16;
const RECORD_HEAD = 5;
export const DEFAULT_CHUNK = 1024 * 1024;

export class DecryptError extends Error {}

function nonceOf(prefix: Buffer, counter: number): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(counter, 8);
  return n;
}

function aadOf(header: Buffer, counter: number, flag: number): Buffer {
  const a = Buffer.alloc(HEADER_LEN + 5);
  header.copy(a, 0);
  a.writeUInt32BE(counter, HEADER_LEN);
  a[HEADER_LEN + 4] = flag;
  return a;
}

function sealRecord(key: Buffer, header: Buffer, counter: number, flag: number, plain: Buffer): Buffer {
  const c = createCipheriv('aes-256-gcm', key, nonceOf(header.subarray(4, 12), counter));
  c.setAAD(aadOf(header, counter, flag));
  const body = Buffer.concat([c.update(plain), c.final()]);
  const head = Buffer.alloc(RECORD_HEAD);
  head[0] = flag;
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body, c.getAuthTag()]);
}

export function createEncryptStream(key: Buffer, chunkSize = DEFAULT_CHUNK): Transform {
  const header = Buffer.alloc(HEADER_LEN);
  MAGIC.copy(header, 0);
  randomBytes(8).copy(header, 4);
  header.writeUInt32BE(chunkSize, 12);
  let counter = 0;
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let started = false;
  const take = (n: number): Buffer => {
    const all = pending.length === 1 ? pending[0] : Buffer.concat(pending);
    pending = n < all.length ? [all.subarray(n)] : [];
    pendingLen = all.length - n;
    return all.subarray(0, n);
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (!started) {
        this.push(header);
        started = true;
      }
      pending.push(chunk);
      pendingLen += chunk.length;
      // Keep at least one byte back so the last data record can carry the final flag.
      while (pendingLen > chunkSize) this.push(sealRecord(key, header, counter++, 0, take(chunkSize)));
      cb();
    },
    flush(cb: TransformCallback) {
      if (!started) this.push(header);
      this.push(sealRecord(key, header, counter++, 1, take(pendingLen)));
      cb();
    },
  });
}

export function createDecryptStream(key: Buffer): Transform {
  let buf: Buffer = Buffer.alloc(0);
  let header: Buffer | null = null;
  let counter = 0;
  let done = false;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      try {
        if (!header) {
          if (buf.length < HEADER_LEN) return cb();
          header = Buffer.from(buf.subarray(0, HEADER_LEN));
          if (!header.subarray(0, 4).equals(MAGIC)) throw new DecryptError('not a prodctl encrypted stream (bad magic)');
          buf = buf.subarray(HEADER_LEN);
        }
        const max = header.readUInt32BE(12);
        while (buf.length >= RECORD_HEAD) {
          if (done) throw new DecryptError('data after the final chunk');
          const flag = buf[0];
          const len = buf.readUInt32BE(1);
          if (len > max || flag > 1) throw new DecryptError(`corrupt chunk header at chunk ${counter}`);
          if (buf.length < RECORD_HEAD + len + TAG_LEN) break;
          const d = createDecipheriv('aes-256-gcm', key, nonceOf(header.subarray(4, 12), counter));
          d.setAAD(aadOf(header, counter, flag));
          d.setAuthTag(buf.subarray(RECORD_HEAD + len, RECORD_HEAD + len + TAG_LEN));
          let plain: Buffer;
          try {
            plain = Buffer.concat([d.update(buf.subarray(RECORD_HEAD, RECORD_HEAD + len)), d.final()]);
          } catch {
            throw new DecryptError(`authentication failed at chunk ${counter} (corrupt data or wrong key)`);
          }
          buf = buf.subarray(RECORD_HEAD + len + TAG_LEN);
          counter++;
          if (flag === 1) done = true;
          this.push(plain);
        }
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb: TransformCallback) {
      if (!done) return cb(new DecryptError('truncated: the final chunk is missing'));
      cb();
    },
  });
}

/** A short public id of the key, so restore can say "wrong key" — never the key itself. */
export function keyFingerprint(key: Buffer): string {
  return createHash('sha256').update('prodctl-backup-key-id\0').update(key).digest('hex').slice(0, 16);
}
