import { constants, createPublicKey, generateKeyPairSync, privateEncrypt, type KeyObject } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * A mocked KMS with real cryptography behind it: GetPublicKey answers the SPKI of an RSA key held here, and Sign
 * (MessageType DIGEST, RSASSA_PKCS1_V1_5_SHA_256) returns the RSA signature of the digest it is given — exactly what
 * KMS returns, so certificates and CRLs "signed by KMS" verify with OpenSSL. Sign calls are counted by the mock.
 */
export const KMS_KEY_ARN = 'arn:aws:kms:cn-north-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

// DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2).
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

export function fakeKms(options: { bits?: number; privateKey?: KeyObject } = {}) {
  const privateKey = options.privateKey ?? generateKeyPairSync('rsa', { modulusLength: options.bits ?? 2048 }).privateKey;
  const publicKey = createPublicKey(privateKey);
  const mock = mockClient(KMSClient);
  const install = () => {
    mock.on(GetPublicKeyCommand, { KeyId: KMS_KEY_ARN }).resolves({
      KeyId: KMS_KEY_ARN,
      PublicKey: publicKey.export({ type: 'spki', format: 'der' }),
      KeySpec: 'RSA_2048',
      SigningAlgorithms: ['RSASSA_PKCS1_V1_5_SHA_256'],
    });
    mock.on(SignCommand, { KeyId: KMS_KEY_ARN }).callsFake((input: { Message: Uint8Array; MessageType: string; SigningAlgorithm: string }) => {
      if (input.MessageType !== 'DIGEST' || input.SigningAlgorithm !== 'RSASSA_PKCS1_V1_5_SHA_256' || input.Message.length !== 32) {
        throw Object.assign(new Error('unexpected Sign request'), { name: 'ValidationException' });
      }
      const signature = privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO, Buffer.from(input.Message)]));
      return { KeyId: KMS_KEY_ARN, Signature: signature, SigningAlgorithm: input.SigningAlgorithm };
    });
  };
  install();
  return {
    mock,
    publicKey,
    signCalls: () => mock.commandCalls(SignCommand).length,
    /** After mock.reset(): the same key again. */
    reinstall: install,
  };
}
