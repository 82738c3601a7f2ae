// The one interface prodctl has for an ACME certificate authority. The HTTP-01 answer is the
// caller's: it publishes (and withdraws) each token's key authorization where the CA will look.
export interface Http01Responder {
  publish(token: string, keyAuthorization: string): Promise<void>;
  withdraw(token: string): Promise<void>;
}

export interface IssueRequest {
  domains: string[];
  email: string;
  /** PEM of the account key (kept in the state folder; the account is looked up by it). */
  accountKeyPem: string;
  /** PEM of the certificate's private key. */
  certKeyPem: string;
  responder: Http01Responder;
}

export interface AcmeIssuer {
  /** Runs one order to the end; returns the PEM chain (leaf first). */
  issue(req: IssueRequest): Promise<string>;
}
