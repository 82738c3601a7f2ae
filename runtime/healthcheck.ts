// Docker HEALTHCHECK: GET /readyz on this container's own port (the API's PORT, or the worker's
// METRICS_PORT, where the worker serves its probes). Exit 0 healthy, 1 not. No dependencies.
import http from 'node:http';
import { ENV, HEALTH_PATHS } from '../contract/index.js';

const role = process.env[ENV.role] ?? 'api';
const port = Number(role === 'worker' ? (process.env[ENV.metricsPort] ?? 9464) : (process.env[ENV.port] ?? 8080));
const path = process.argv[2] === 'live' ? HEALTH_PATHS.live : HEALTH_PATHS.ready;

const req = http.get({ host: '127.0.0.1', port, path, timeout: 2_000 }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', () => process.exit(1));
