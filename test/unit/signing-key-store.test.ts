import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSelfSignedMaterial, loadSigningKey, SigningKeyError } from '../../shared/signing/key-material';
import {
  assembleSigningKey,
  describeSigningKey,
  inspectSigningKey,
  splitPemCertificates,
} from '../../shared/signing/key-store';
import { issue, rsaKeyPem, testChain } from '../support/signing-certs';

describe('assembleSigningKey (what `signing-key install` accepts)', () => {
  it('accepts a CA-issued leaf with its chain, leaf first, and keeps the chain in order', () => {
    // Prepare
    const { intermediate, leaf } = testChain();

    // Act
    const { json, key } = assembleSigningKey({
      privateKeyPem: leaf.privateKeyPem,
      certificatePem: leaf.certificatePem,
      chainPem: intermediate.certificatePem,
    });

    // Assess
    expect(loadSigningKey(json).fingerprint).toBe(key.fingerprint);
    expect(key.fingerprint).toBe(new X509Certificate(leaf.certificatePem).fingerprint256.replace(/:/g, '').toLowerCase());
    const stored = JSON.parse(json) as { chainPem: string[] };
    expect(stored.chainPem.map((pem) => new X509Certificate(pem).fingerprint256)).toEqual([
      new X509Certificate(intermediate.certificatePem).fingerprint256,
    ]);
    expect(describeSigningKey(key)).toMatchObject({ selfSigned: false, chainLength: 1, keyType: 'RSA 2048' });
  });

  it('takes further certificates in the --cert file (a "full chain" file) as the chain', () => {
    const { root, intermediate, leaf } = testChain();
    const { key } = assembleSigningKey({
      privateKeyPem: leaf.privateKeyPem,
      certificatePem: leaf.certificatePem + intermediate.certificatePem,
      chainPem: root.certificatePem,
    });
    expect(key.chainDer).toHaveLength(2);
  });

  it('accepts the self-signed bundle the stack generates, and marks it self-signed', () => {
    const material = generateSelfSignedMaterial({ commonName: 'x', organization: 'y' });
    const { key } = assembleSigningKey({ privateKeyPem: material.privateKeyPem, certificatePem: material.certificatePem });
    expect(describeSigningKey(key).selfSigned).toBe(true);
  });

  it.each([
    ['a certificate of another key', () => ({ privateKeyPem: rsaKeyPem(), certificatePem: issue({ commonName: 'a' }).certificatePem }), /does not belong/],
    [
      'an EC key',
      () => ({
        privateKeyPem: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        certificatePem: issue({ commonName: 'a' }).certificatePem,
      }),
      /must be an RSA key/,
    ],
    [
      'a 1024-bit key',
      () => {
        const keyPem = rsaKeyPem(1024);
        return { privateKeyPem: keyPem, certificatePem: issue({ commonName: 'a', keyPem }).certificatePem };
      },
      /2048 to 4096 are supported/,
    ],
    [
      'a key over 4096 bits (its signature would not fit the placeholder)',
      () => ({ privateKeyPem: rsaKeyPem(4160), certificatePem: issue({ commonName: 'a' }).certificatePem }),
      /2048 to 4096 are supported/,
    ],
    [
      'an expired certificate',
      () =>
        issue({ commonName: 'a', notBefore: new Date(Date.now() - 3 * 86400_000), notAfter: new Date(Date.now() - 86400_000) }),
      /expired/,
    ],
    ['a certificate only for encipherment', () => issue({ commonName: 'a', keyUsage: { keyEncipherment: true } }), /keyUsage/],
    [
      'a chain that did not issue the leaf',
      () => {
        const { leaf } = testChain();
        return { ...leaf, chainPem: issue({ commonName: 'Other CA', ca: true }).certificatePem };
      },
      /did not issue/,
    ],
    ['a key file without a key', () => ({ privateKeyPem: 'hello', certificatePem: issue({ commonName: 'a' }).certificatePem }), /no readable private key/],
    ['a certificate file without a certificate', () => ({ privateKeyPem: rsaKeyPem(), certificatePem: 'hello' }), /no PEM certificate/],
  ])('refuses %s', (_name, files, message) => {
    const given = files();
    expect(() => assembleSigningKey(given)).toThrow(SigningKeyError);
    expect(() => assembleSigningKey(given)).toThrow(message);
  });

  it('refuses an encrypted key with a hint, without echoing it', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const encrypted = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString();
    expect(() => assembleSigningKey({ privateKeyPem: encrypted, certificatePem: issue({ commonName: 'a' }).certificatePem })).toThrow(
      /encrypted/,
    );
  });
});

describe('inspectSigningKey', () => {
  it('tells absent, unusable and valid values apart', () => {
    expect(inspectSigningKey(undefined).kind).toBe('absent');
    expect(inspectSigningKey('  ').kind).toBe('absent');
    expect(inspectSigningKey('{"status":"placeholder"}').kind).toBe('invalid');
    expect(inspectSigningKey('Zx8'.repeat(20)).kind).toBe('invalid');
    expect(inspectSigningKey(JSON.stringify(generateSelfSignedMaterial({ commonName: 'x', organization: 'y' }))).kind).toBe('valid');
  });
});

describe('splitPemCertificates', () => {
  it('finds every certificate block, ignoring text around them', () => {
    const { root, intermediate } = testChain();
    const text = `Bag Attributes\n${intermediate.certificatePem}\nsubject=...\n${root.certificatePem}`;
    expect(splitPemCertificates(text).map((pem) => new X509Certificate(pem).subject)).toEqual([
      new X509Certificate(intermediate.certificatePem).subject,
      new X509Certificate(root.certificatePem).subject,
    ]);
  });
});
