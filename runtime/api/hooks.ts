// Request lifecycle hooks: metrics (and a warning per 5xx), credentials in the URL refused, auth (limited per source on
// failures) and rate limit before the body is read (so a 401, 413 or 429 never costs an upload), maintenance mode, and
// Connection: close while draining or after an early error.
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HTTP_DURATION_BUCKETS } from '../../contract/index.js';
import { HttpError } from '../core/errors.js';
import { rateLimitHeaders, type Bucket } from '../core/rate-limit.js';
import type { ApiDeps } from './deps.js';
import { refuseCredentialsInQuery } from './query-credentials.js';

export function installHooks(app: FastifyInstance, d: ApiDeps): void {
  const duration = d.metrics.histogram('httpDuration', [...HTTP_DURATION_BUCKETS]);
  const inFlight = d.metrics.gauge('httpInFlight');
  const limited = d.metrics.counter('httpRateLimited');
  const authLimited = () => limited.inc({ bucket: 'auth_failure' });
  const buckets: Record<'request' | 'upload', Bucket> = {
    request: { name: 'request', perSecond: d.cfg.rate.requestsPerSecond, burst: d.cfg.rate.burst },
    upload: { name: 'upload', perSecond: d.cfg.rate.uploadsPerMinute / 60, burst: Math.max(1, Math.ceil(d.cfg.rate.uploadsPerMinute / 6)) },
  };
  // Declared up front: one object shape for every request.
  app.decorateRequest('userId', '');
  app.decorateRequest('routeUrl', 'unmatched');

  // One hook per phase, callback style where nothing is awaited (an async hook is a promise per
  // request on the hot path). req.routeOptions builds a fresh object on every read, so onRequest
  // reads it once and keeps the route template on the request.
  app.addHook('onResponse', (req, reply, done) => {
    inFlight.dec();
    duration.observe({ route: req.routeUrl, method: req.method, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    if (reply.statusCode >= 500) req.log.warn({ status: reply.statusCode, url: req.url, userId: req.userId || undefined }, 'request failed');
    done();
  });

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    inFlight.inc();
    const route = req.routeOptions;
    if (route.url) req.routeUrl = route.url;
    refuseCredentialsInQuery(req.url);
    const cfg = route.config;
    if (!cfg?.bucket) return;
    if (cfg.bucket === 'upload') rejectOversize(req, d.cfg.maxUploadBytes);
    req.userId = await authenticateFromSource(req, d, authLimited);
    const bucket = buckets[cfg.bucket];
    const r = await d.takeToken(req.userId, bucket);
    reply.headers(rateLimitHeaders(bucket, r));
    if (!r.allowed) {
      limited.inc({ bucket: bucket.name });
      throw new HttpError(429, 'rate_limited', `too many ${bucket.name}s; retry after ${Math.ceil(r.retryAfterMs / 1000)} s`, { 'retry-after': String(Math.max(1, Math.ceil(r.retryAfterMs / 1000))) });
    }
    if (r.maintenance && cfg.write) {
      throw new HttpError(503, 'maintenance', 'the service is in maintenance (restore in progress); retry later', { 'retry-after': '30' });
    }
  });

  app.addHook('onSend', (req, reply, payload, done) => {
    // While draining, tell keep-alive clients to go elsewhere after this response. An error
    // answered before the body was read (401, 404, 413, 429…) closes the connection: otherwise
    // Node reads and discards the whole body to keep the connection, however large it is.
    const early = reply.statusCode >= 400 && !req.raw.complete;
    if (d.state.draining || early) reply.header('connection', 'close');
    if (early) lingerThenClose(req.raw.socket);
    done(null, payload);
  });
}

/**
 * Authenticates unless the client's address has run out of failed attempts (then 429, without
 * looking at the credentials); a 401 costs the address one attempt.
 */
async function authenticateFromSource(req: FastifyRequest, d: ApiDeps, onLimited: () => void): Promise<string> {
  const blockedMs = d.authFailures.blockedFor(req.ip);
  if (blockedMs > 0) {
    onLimited();
    const s = Math.max(1, Math.ceil(blockedMs / 1000));
    throw new HttpError(429, 'auth_rate_limited', `too many failed authentications from this address; retry after ${s} s`, { 'retry-after': String(s) });
  }
  try {
    return await d.authenticate(req.headers);
  } catch (err) {
    if (err instanceof HttpError && err.statusCode === 401) d.authFailures.recordFailure(req.ip);
    throw err;
  }
}

/**
 * 413 from the Content-Length alone, before a byte of the body is read; the onSend hook then
 * closes the connection, so the body is never read (the edge usually answers this 413 itself).
 */
function rejectOversize(req: FastifyRequest, max: number): void {
  const len = Number(req.headers['content-length']);
  if (Number.isFinite(len) && len > max) {
    throw new HttpError(413, 'too_large', `upload of ${len} bytes exceeds the limit of ${max} bytes`);
  }
}

/** How long a connection closed after an early error stays open, not read, before it is reset. */
const LINGER_MS = 1_000;

/**
 * After an early error, Node closes a `Connection: close` socket as soon as the answer is written;
 * with body bytes still unread the kernel then sends a reset, which can reach the client before it
 * has read the answer. Instead: send the answer and a FIN, stop reading (so no CPU goes into the
 * rest of the body; the client's window fills and it waits), and reset after LINGER_MS, by when
 * the client has read the answer.
 */
function lingerThenClose(socket: Socket): void {
  socket.destroySoon = function lingerSoon(this: Socket) {
    this.end();
    // After Node's own resume of the request (which would read the rest of the body).
    setImmediate(() => this.pause());
    setTimeout(() => this.destroy(), LINGER_MS).unref();
  };
}
