// A self-signed certificate (ECDSA P-256) with chosen dates: the edge's placeholder until ACME
// has issued one (HAProxy will not start on an empty certificate folder), and test fixtures.
import { webcrypto } from 'node:crypto';

export interface SelfSignedPem {
  cert: string;
  key: string;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export async function createSelfSignedCert(o: { commonName: string; altNames?: string[]; notBefore?: Date; notAfter?: Date }): Promise<SelfSignedPem> {
  // Loaded on use: the module takes over a second to import, and most commands never need it.
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${o.commonName}`,
    notBefore: o.notBefore ?? new Date(now - 60_000),
    notAfter: o.notAfter ?? new Date(now + 90 * 86_400_000),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.SubjectAlternativeNameExtension((o.altNames ?? [o.commonName]).map((d) => ({ type: (/^[\d.]+$/.test(d) ? 'ip' : 'dns') as 'ip' | 'dns', value: d }))),
      new x509.BasicConstraintsExtension(false, undefined, true),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
  return { cert: cert.toString('pem') + '\n', key };
}
