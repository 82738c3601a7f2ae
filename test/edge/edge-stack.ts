// Test support for the edge regression tests: the native plan's rendered haproxy.cfg run by the
// real HAProxy in front of real API processes (real Postgres and Redis), plus the small probes the
// tests share: a request loop, a process's CPU time and bytes read, and a raw body streamer.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { getFreePort, waitForPort } from '../../lib/net.js';
import type { StackPlan } from '../../plan/types.js';
import { renderHaproxyConfig } from '../../templates/haproxy/render-haproxy.js';

export interface Edge {
  port: number;
  socket: string;
  base: string;
  log(): string;
  stop(): void;
}

export async function startEdge(plan: StackPlan, dir: string, servers: { name: string; port: number }[]): Promise<Edge> {
  const [port, metrics] = [await getFreePort(), await getFreePort()];
  const socket = path.join(dir, `edge-${port}.sock`);
  const cfg = path.join(dir, `haproxy-${port}.cfg`);
  writeFileSync(cfg, renderHaproxyConfig(plan, { bind: `127.0.0.1:${port}`, adminSocket: socket, metricsBind: `127.0.0.1:${metrics}`, servers: servers.map((s) => ({ name: s.name, address: `127.0.0.1:${s.port}` })) }));
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (b) => (log = (log + b).slice(-2_000_000)));
  child.stderr!.on('data', (b) => (log = (log + b).slice(-2_000_000)));
  await waitForPort(port);
  return { port, socket, base: `http://127.0.0.1:${port}`, log: () => log, stop: () => void child.kill('SIGKILL') };
}

/** CPU seconds (user + system) and bytes read by read(2)-family calls, sockets included. */
export function processUsage(pid: number): { cpuS: number; readBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  return { cpuS: (Number(f[11]) + Number(f[12])) / 100, readBytes: Number(/^rchar: (\d+)/m.exec(io)![1]) };
}

export interface StreamResult {
  sentBytes: number;
  /** What came back before the connection ended. */
  response: string;
  /** ms from the first byte sent to the end of the connection (or the cap). */
  ms: number;
  cut: boolean;
}

/** Sends `head`, then body bytes as fast as the peer takes them, until the connection ends or a cap. */
export async function streamUntilCut(port: number, head: string, capBytes: number, capMs: number, chunked = false): Promise<StreamResult> {
  const sock = net.connect(port, '127.0.0.1');
  sock.setMaxListeners(0);
  await new Promise((r) => sock.once('connect', r));
  const t0 = Date.now();
  let response = '';
  let ended = false;
  sock.on('data', (d) => (response += d.toString('latin1')));
  sock.on('close', () => (ended = true));
  sock.on('error', () => (ended = true));
  const block = Buffer.alloc(256 * 1024, 0x41);
  const chunk = chunked ? Buffer.concat([Buffer.from(`${block.length.toString(16)}\r\n`), block, Buffer.from('\r\n')]) : block;
  sock.write(head);
  let sent = 0;
  if (capBytes === 0) await new Promise((r) => setTimeout(r, capMs));
  while (!ended && sent < capBytes && Date.now() - t0 < capMs) {
    if (!sock.write(chunk)) await new Promise((r) => { sock.once('drain', r); sock.once('close', r); setTimeout(r, 200); });
    sent += block.length;
  }
  const cut = ended;
  sock.destroy();
  return { sentBytes: sent, response, ms: Date.now() - t0, cut };
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
