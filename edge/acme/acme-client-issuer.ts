// Adapter: ACME (RFC 8555) through the maintained `acme-client` package. Nothing else in
// prodctl imports acme-client. The directory's own TLS is trusted through Node's CA store
// (NODE_EXTRA_CA_CERTS for a private ACME server).
import acme from 'acme-client';
import { TlsError } from '../../lib/errors.js';
import type { AcmeIssuer, IssueRequest } from './types.js';

export async function createEcKeyPem(): Promise<string> {
  return (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
}

export function createAcmeIssuer(directoryUrl: string): AcmeIssuer {
  return {
    async issue(req: IssueRequest): Promise<string> {
      const client = new acme.Client({ directoryUrl, accountKey: req.accountKeyPem, backoffAttempts: 10, backoffMin: 500, backoffMax: 5000 });
      const [, csr] = await acme.crypto.createCsr({ commonName: req.domains[0], altNames: req.domains }, req.certKeyPem);
      try {
        return await client.auto({
          csr,
          email: req.email,
          termsOfServiceAgreed: true,
          challengePriority: ['http-01'],
          // The CA validates through the edge; a self-request here would go through DNS that
          // may not point at this host yet (and the CA's answer is the one that counts).
          skipChallengeVerification: true,
          challengeCreateFn: async (_authz, challenge, keyAuthorization) => req.responder.publish(challenge.token, keyAuthorization),
          challengeRemoveFn: async (_authz, challenge) => req.responder.withdraw(challenge.token),
        });
      } catch (err) {
        throw new TlsError(`ACME order for ${req.domains.join(', ')} at ${directoryUrl} failed: ${(err as Error).message}`, 'is port 80 of each domain routed to this edge, and the directory URL right? (`prodctl tls status`)');
      }
    },
  };
}
