import { X509Certificate } from 'node:crypto';
import { SignCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { resetClients } from '../../shared/aws/clients';
import { kmsSigner, loadIssuingCa, selfSignedCaCertificate } from '../../shared/signing/issuing-ca';
import { SEAL_CERTIFICATE_HOURS, sealKeySource } from '../../shared/signing/seal-key';
import { TransientSigningError } from '../../shared/signing/timestamp';
import { pemOf } from '../../shared/signing/x509';
import { fakeKms, KMS_KEY_ARN } from '../support/kms';
import { opensslVerifyChain } from '../support/pdf-checkers';

/**
 * The KMS path of the key design: the issuing CA's key is a (mocked) KMS key with real RSA behind it; each container
 * certifies its own ephemeral key with one kms:Sign, reuses it, and picks up a rotated CA while warm.
 */
const kms = fakeKms();

async function kmsBundle(organization: string): Promise<string> {
  const der = await selfSignedCaCertificate({ publicKey: kms.publicKey, signer: kmsSigner(KMS_KEY_ARN, 'RSASSA_PKCS1_V1_5_SHA_256'), organization });
  return JSON.stringify({ kmsKeyId: KMS_KEY_ARN, certificatePem: pemOf(der) });
}

beforeEach(() => {
  kms.mock.reset();
  kms.reinstall();
  resetClients();
});
afterAll(() => kms.mock.restore());

describe('a render container’s seal key over a KMS issuing CA', () => {
  it('costs one kms:Sign per container, gives a certificate OpenSSL chains to the CA, and is reused while fresh', async () => {
    // Prepare
    let bundle = await kmsBundle('Ecert (dev)');
    let clock = new Date();
    const source = sealKeySource({
      loadCa: async () => loadIssuingCa(bundle, { allowFileKey: false }),
      publicBaseUrl: () => 'https://ecert.example',
      recheckMs: 60_000,
      now: () => clock,
    });
    const before = kms.signCalls();

    // Act
    const first = await source.current();
    const again = await Promise.all([source.current(), source.current()]);

    // Assess
    expect(kms.signCalls() - before).toBe(1);
    expect(again.every((key) => key === first)).toBe(true);
    const leaf = new X509Certificate(first.certificate.der);
    expect(leaf.verify(kms.publicKey)).toBe(true);
    expect(opensslVerifyChain(leaf.toString(), pemOf(first.ca.certificate.der), undefined).output).toContain('OK');
    expect(leaf.infoAccess).toContain('https://ecert.example/v1/pki/ca.crt');
    // Whole seconds in the certificate.
    expect(Math.abs(new Date(leaf.validTo).getTime() - clock.getTime() - SEAL_CERTIFICATE_HOURS * 3600_000)).toBeLessThan(1000);
    // The private key exists only in this process: nothing about it is in the bundle.
    expect(bundle).not.toMatch(/PRIVATE KEY/);

    // A rotated CA (a new certificate for the key, as `signing-key install` stores): picked up at the next recheck,
    // without a new container.
    bundle = await kmsBundle('Ecert (rotated)');
    clock = new Date(clock.getTime() + 30_000);
    expect(await source.current()).toBe(first);
    clock = new Date(clock.getTime() + 60_000);
    const rotated = await source.current();
    expect(rotated).not.toBe(first);
    expect(rotated.ca.fingerprint).not.toBe(first.ca.fingerprint);
    expect(new X509Certificate(rotated.certificate.der).issuer).toContain('O=Ecert (rotated)');

    // Near the end of its certificate the container certifies a new key on its own.
    clock = new Date(rotated.certificate.notAfter.getTime() - 30 * 60_000);
    const renewed = await source.current();
    expect(renewed).not.toBe(rotated);
    expect(renewed.certificate.notAfter.getTime()).toBeGreaterThan(rotated.certificate.notAfter.getTime());
  });

  it('turns a KMS failure into a transient error (the render is retried, the annotation never FAILED for it)', async () => {
    const bundle = await kmsBundle('Ecert (dev)');
    kms.mock.on(SignCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const source = sealKeySource({ loadCa: async () => loadIssuingCa(bundle, { allowFileKey: false }), publicBaseUrl: () => 'https://e.example' });
    const attempt = source.current();
    await expect(attempt).rejects.toBeInstanceOf(TransientSigningError);
    await expect(attempt).rejects.toMatchObject({ transient: true, name: 'TransientSigningError' });
  });
});
