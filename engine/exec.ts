// Runs a command inside a container through the Engine API (dockerode exec), for deploy health
// probes and Docker backups alike, with streamed, back-pressured stdin/stdout: a pg_dump of any
// size moves through here with bounded memory.
// docker-modem's own demuxStream ignores back-pressure, hence the small Transform below.
import type Docker from 'dockerode';
import { PassThrough, Transform, type Readable, type TransformCallback, type Writable } from 'node:stream';

export interface ContainerExec {
  stdout: Readable;
  /** Ending it closes the command's stdin (the engine sees the half-close). */
  stdin: Writable;
  /** Exit code, once the command has finished and its output is drained. */
  done: Promise<{ exitCode: number; stderr: string }>;
}

/**
 * Non-TTY exec output is framed: [stream 1|2, 0, 0, 0, size u32 BE] + payload. Frames of stream 1
 * go downstream (so pipe back-pressure reaches the engine socket); stream 2 is kept as a tail.
 */
export class DemuxStdout extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  stderr = '';

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let i = 0;
    while (this.pending.length - i >= 8) {
      const size = this.pending.readUInt32BE(i + 4);
      if (this.pending.length - i - 8 < size) break;
      const payload = this.pending.subarray(i + 8, i + 8 + size);
      if (this.pending[i] === 2) this.stderr = (this.stderr + payload.toString('utf8')).slice(-4000);
      else this.push(payload);
      i += 8 + size;
    }
    this.pending = this.pending.subarray(i);
    cb();
  }
}

export function execInContainer(docker: Docker, containerId: string, cmd: string[], o: { env?: string[]; user?: string; stdin?: boolean } = {}): ContainerExec {
  const stdout = new PassThrough({ highWaterMark: 1024 * 1024 });
  const stdin = new PassThrough({ highWaterMark: 1024 * 1024 });
  const demux = new DemuxStdout();
  const done = (async () => {
    const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, Env: o.env, User: o.user, AttachStdout: true, AttachStderr: true, AttachStdin: Boolean(o.stdin) });
    const sock = (await exec.start({ hijack: true, stdin: Boolean(o.stdin) })) as NodeJS.ReadWriteStream & { destroy(e?: Error): void };
    const finished = new Promise<void>((resolve, reject) => {
      demux.once('end', resolve);
      sock.once('error', reject);
      demux.once('error', reject);
    });
    sock.pipe(demux).pipe(stdout);
    if (o.stdin) stdin.pipe(sock);
    else stdin.resume();
    await finished;
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, stderr: demux.stderr };
  })();
  done.catch((err: Error) => stdout.destroy(err));
  return { stdout, stdin, done };
}

/** Runs a short command and returns its stdout as text (for `sha256sum`, `mkdir`, `mv`, `id`). */
export async function execText(docker: Docker, containerId: string, cmd: string[], o: { env?: string[]; user?: string } = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const run = execInContainer(docker, containerId, cmd, o);
  const chunks: Buffer[] = [];
  run.stdout.on('data', (c: Buffer) => chunks.push(c));
  const r = await run.done;
  return { exitCode: r.exitCode, stdout: Buffer.concat(chunks).toString('utf8'), stderr: r.stderr };
}
