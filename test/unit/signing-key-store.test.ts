import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateFileCaBundle, IssuingCaError, isCaBundle, loadIssuingCa } from '../../shared/signing/issuing-ca';
import { assembleCaBundle, describeCa, inspectCaBundle, splitPemCertificates } from '../../shared/signing/key-store';
import { fakeKms, KMS_KEY_ARN } from '../support/kms';
import { issue, testChain } from '../support/signing-certs';

const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();

describe('assembleCaBundle (what `signing-key install` accepts)', () => {
  it('accepts a CA certificate issued by an operator’s root, with its chain, for a local file key', () => {
    // Prepare: the root issues the seal's issuing CA (the "intermediate").
    const { root, intermediate } = testChain();

    // Act
    const { json, ca } = assembleCaBundle({
      privateKeyPem: intermediate.privateKeyPem,
      certificatePem: intermediate.certificatePem,
      chainPem: root.certificatePem,
    });

    // Assess
    expect(loadIssuingCa(json, { allowFileKey: true }).fingerprint).toBe(ca.fingerprint);
    expect(ca.fingerprint).toBe(fingerprint(intermediate.certificatePem));
    expect(ca.chain.map((c) => c.der.equals(new X509Certificate(root.certificatePem).raw))).toEqual([true]);
    expect(describeCa(ca)).toMatchObject({ selfSigned: false, chainLength: 1, keyType: 'RSA 2048', keyLocation: 'file' });
  });

  it('for the cloud: takes no private key, only a certificate for the KMS key', () => {
    const kms = fakeKms();
    const { root } = testChain();
    const caForKms = issue({ commonName: 'Seal CA', ca: true, issuer: root, keyPem: undefined });
    // A certificate for another key is refused…
    expect(() => assembleCaBundle({ certificatePem: caForKms.certificatePem, kms: { keyId: KMS_KEY_ARN, publicKey: kms.publicKey } })).toThrow(
      /not for the stack’s KMS key/,
    );
    kms.mock.restore();
  });

  it('refuses a leaf (not a CA), a certificate without its key, an encrypted key, a chain that did not issue it', () => {
    const { root, intermediate, leaf } = testChain();
    const stranger = issue({ commonName: 'Stranger CA', ca: true });
    expect(() => assembleCaBundle({ privateKeyPem: leaf.privateKeyPem, certificatePem: leaf.certificatePem })).toThrow(/not a CA certificate/);
    expect(() => assembleCaBundle({ privateKeyPem: root.privateKeyPem, certificatePem: intermediate.certificatePem })).toThrow(
      /does not belong to the private key/,
    );
    expect(() =>
      assembleCaBundle({ privateKeyPem: '-----BEGIN ENCRYPTED PRIVATE KEY-----\nx\n-----END ENCRYPTED PRIVATE KEY-----', certificatePem: intermediate.certificatePem }),
    ).toThrow(IssuingCaError);
    expect(() =>
      assembleCaBundle({ privateKeyPem: intermediate.privateKeyPem, certificatePem: intermediate.certificatePem, chainPem: stranger.certificatePem }),
    ).toThrow(/did not issue/);
  });
});

describe('inspectCaBundle and the bundle formats', () => {
  it('sees a placeholder, a pre-CA leaf bundle and garbage as unusable, and a file CA as usable locally only', async () => {
    const { leaf } = testChain();
    expect(inspectCaBundle(undefined).kind).toBe('absent');
    expect(inspectCaBundle('{"status":"placeholder"}').kind).toBe('invalid');
    expect(inspectCaBundle(JSON.stringify({ privateKeyPem: leaf.privateKeyPem, certificatePem: leaf.certificatePem })).kind).toBe('invalid');
    const bundle = JSON.stringify(await generateFileCaBundle({ organization: 'ecert (test)', bits: 2048 }));
    expect(isCaBundle(bundle)).toBe(true);
    expect(inspectCaBundle(bundle, { allowFileKey: true }).kind).toBe('valid');
    // In the cloud a private key in the bundle is exactly what the KMS design removes.
    expect(inspectCaBundle(bundle, { allowFileKey: false })).toMatchObject({ kind: 'invalid', problem: expect.stringMatching(/KMS key/) });
  });

  it('splits a PEM file into its certificates, in order', () => {
    const { root, intermediate } = testChain();
    expect(splitPemCertificates(intermediate.certificatePem + root.certificatePem).map(fingerprint)).toEqual([
      fingerprint(intermediate.certificatePem),
      fingerprint(root.certificatePem),
    ]);
  });
});
