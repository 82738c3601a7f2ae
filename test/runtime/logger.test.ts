// Runtime logs: the cached ISO timestamp is pino's, the access logger shares the main logger's
// destination and base fields, the lazy request logger makes its pino child only when used, and a
// quiet process's buffered lines reach stdout within the flush interval.
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LazyRequestLogger } from '../../runtime/api/request-log.js';
import { createAccessLogger, createIsoTime, createLogger } from '../../runtime/core/logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, destination };
}

describe('runtime logs', () => {
  it('formats the timestamp as pino isoTime does, once per millisecond', () => {
    let now = Date.UTC(2026, 10, 29, 8, 30, 0, 123);
    const iso = createIsoTime(() => now);
    expect(iso()).toBe(',"time":"2026-11-29T08:30:00.123Z"');
    const first = iso();
    expect(iso()).toBe(first); // same millisecond, same string
    now += 1;
    expect(iso()).toBe(',"time":"2026-11-29T08:30:00.124Z"');
  });

  it('the access logger writes to the same destination with the same base fields and level names', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', role: 'api', release: 'v9', destination });
    const access = createAccessLogger(log);
    log.info({ pg: { password: 'hunter2' } }, 'main line');
    access.info({ reqId: 'r1', route: '/v1/jobs/:id', status: 200 }, 'request completed');
    access.debug({ reqId: 'r2' }, 'below the level');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 'info', role: 'api', release: 'v9', pg: { password: '***' }, msg: 'main line' });
    expect(lines[1]).toMatchObject({ level: 'info', role: 'api', release: 'v9', pid: process.pid, reqId: 'r1', route: '/v1/jobs/:id', status: 200, msg: 'request completed' });
    expect(String(lines[1].time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('the request logger makes no child until a line at an enabled level is written, then logs with its bindings', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', role: 'api', release: 'v9', destination });
    let children = 0;
    const counting = new Proxy(log, {
      get(target, prop, receiver) {
        if (prop === 'child') return (...a: Parameters<pino.Logger['child']>) => (children++, target.child(...a));
        return Reflect.get(target, prop, receiver);
      },
    });
    const req = new LazyRequestLogger(counting, { reqId: 'abc' }, {});
    req.debug('dropped: below info');
    expect(req.level).toBe('info');
    expect(children).toBe(0);
    req.warn({ userId: 'u1' }, 'dependency unavailable');
    req.info('second line');
    expect(children).toBe(1);
    expect(lines.map((l) => [l.level, l.reqId, l.msg])).toEqual([
      ['warn', 'abc', 'dependency unavailable'],
      ['info', 'abc', 'second line'],
    ]);
    expect(lines[0].userId).toBe('u1');
  });

  it('a quiet process writes its buffered lines within the flush interval, without more traffic or an exit', async () => {
    // One line, far under the buffer's size threshold; the process is then SIGKILLed (no exit flush).
    const code = `import(${JSON.stringify(new URL('../../runtime/core/logger.ts', import.meta.url).href)}).then((m) => {
      m.createLogger({ level: 'info', role: 'api', release: 't' }).info('quiet line');
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), 1600);
    });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let firstAt = 0;
    const t0 = performance.now();
    child.stdout.on('data', (b) => {
      out += b;
      firstAt ||= performance.now() - t0;
    });
    const signal = await new Promise((r) => child.on('exit', (_c, s) => r(s)));
    expect(signal).toBe('SIGKILL');
    expect(JSON.parse(out.trim())).toMatchObject({ level: 'info', role: 'api', msg: 'quiet line' });
    expect(firstAt).toBeGreaterThan(0);
  });
});
