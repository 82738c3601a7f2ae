import type { Command } from 'commander';
import { createContext } from '../context.js';
import type { TlsOptions } from '../run-tls.js';

export function register(program: Command): void {
  const tls = program
    .command('tls')
    .description("The edge's certificate: issue and renew from ACME (HTTP-01 through HAProxy), swap it in without a restart, show it")
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl tls status                         certificate, serial, expiry, days left, due for renewal?
  $ prodctl tls issue                          order a certificate for project.domains now
  $ prodctl tls renew                          order a new one only when less than edge.tls.acme.renew_before is left
  $ prodctl tls renew --edge-admin 127.0.0.1:9999 --json     an edge's runtime API named by hand
  $ prodctl tls schedule                       a daily systemd timer / cron entry that runs \`tls renew\`

The CA validates through the edge: HAProxy answers /.well-known/acme-challenge/ from a map that prodctl
fills through its runtime API, so port 80 of every domain must reach this edge. The account key and the
certificates live in <state>/tls, mode 0600 (on the Docker target they are bind-mounted read-only into
the edge container, which serves a renewed certificate without a restart). A private ACME server's own TLS is trusted through
NODE_EXTRA_CA_CERTS.

Exit codes: 0 ok · 1 the order, the edge or the swap failed · 2 usage or profile error`,
    );
  const edgeAdmin = (c: Command) => c.option('--edge-admin <endpoint>', "HAProxy's runtime API: socket path or host:port (default: the native stack's socket; on docker, the edge container's admin port published on 127.0.0.1)");
  const run = async (action: 'issue' | 'renew' | 'status' | 'schedule', opts: TlsOptions, cmd: Command) => {
    const { runTls } = await import('../run-tls.js');
    await runTls(createContext(cmd), action, opts);
  };
  edgeAdmin(tls.command('issue').description('order a certificate now (whatever the current one says) and swap it into the edge')).action((o: TlsOptions, cmd: Command) => run('issue', o, cmd));
  edgeAdmin(tls.command('renew').description('renew when less than edge.tls.acme.renew_before is left (what the schedule runs)').option('--force', 'order even when not due')).action((o: TlsOptions, cmd: Command) => run('renew', o, cmd));
  edgeAdmin(tls.command('status').description('the stored certificate (domains, issuer, serial, expiry, whether it is due) and the one the running edge serves')).action((o: TlsOptions, cmd: Command) => run('status', o, cmd));
  tls.command('schedule').description('render a daily systemd timer and cron entry running `prodctl tls renew`').action((o: TlsOptions, cmd: Command) => run('schedule', o, cmd));
}
