import { generateKeyPairSync } from 'node:crypto';
import { issuerOf, statusListUrl } from '../../shared/signing/pki-publisher';
import { loadIssuingCa, selfSignedCaCertificate, type IssuingCa } from '../../shared/signing/issuing-ca';
import { issueSealKey } from '../../shared/signing/seal-key';
import type { Sealer } from '../../shared/signing/sealer';
import { generateTsaMaterial, inProcessAuthority, loadTsa, type LoadedTsa } from '../../shared/signing/timestamp-responder';
import type { TimestampAuthority } from '../../shared/signing/timestamp';
import { issueCrl, keySigner, pemOf } from '../../shared/signing/x509';

/**
 * A Sealer with everything in memory and real cryptography throughout: a file-key issuing CA (self-signed), a
 * container key it certified, the RFC 3161 responder called in process (or any TSA given), CRLs for both. What the
 * render benchmark and the PDF unit tests sign with; the integration tests use the real wiring (local stack).
 */
export interface TestSeal {
  sealer: Sealer;
  ca: IssuingCa;
  tsa: LoadedTsa;
  caCrl: Buffer;
}

export const TEST_BASE_URL = 'https://ecert.example';

export async function testSeal(options: { timestampAuthority?: TimestampAuthority; caBits?: number } = {}): Promise<TestSeal> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: options.caBits ?? 2048 });
  const caDer = await selfSignedCaCertificate({ publicKey, signer: keySigner(privateKey), organization: 'ecert (test)' });
  const ca = loadIssuingCa(
    JSON.stringify({ privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }), certificatePem: pemOf(caDer) }),
    { allowFileKey: true },
  );
  const key = await issueSealKey(ca, { publicBaseUrl: TEST_BASE_URL });
  const tsa = await loadTsa(await generateTsaMaterial({ crlUrl: 'http://tsa.invalid/crl' }));
  const now = new Date();
  const caCrl = await issueCrl(
    { issuer: ca.certificate, thisUpdate: new Date(now.getTime() - 60_000), nextUpdate: new Date(now.getTime() + 86_400_000), crlNumber: 1n, revoked: [] },
    ca.signer,
  );
  const tsaCrl = await tsa.crl(now);
  let nextIndex = 0;
  const sealer: Sealer = {
    fingerprint: key.fingerprint,
    key,
    tsa: options.timestampAuthority ?? inProcessAuthority(tsa.responder),
    issuer: issuerOf(TEST_BASE_URL, 'ecert (test)'),
    validationData: async () => ({
      certificates: [key.certificate.der, ca.certificate.der, tsa.certificate.der, tsa.root.der],
      crls: [caCrl, tsaCrl],
    }),
    forgetTimestampAuthority: () => undefined,
    credentialStatus: async () => ({ listUrl: statusListUrl(TEST_BASE_URL, 0), index: nextIndex++ }),
  };
  return { sealer, ca, tsa, caCrl };
}
