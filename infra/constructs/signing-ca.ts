import { RemovalPolicy } from 'aws-cdk-lib';
import { Alias, Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** The KMS key spec of the seal's issuing CA and the signing algorithm it is used with (shared/signing/issuing-ca.ts). */
export const SIGNING_CA_KEY_SPEC = KeySpec.RSA_3072;
export const SIGNING_CA_ALGORITHM = 'RSASSA_PKCS1_V1_5_SHA_256';

/**
 * The seal's issuing CA key: an asymmetric KMS key (SIGN_VERIFY) whose private half never leaves KMS. Render
 * containers ask it once each to certify their ephemeral key, the PkiPublisher to sign the CRL (docs/signing.md).
 * Retained with the stack's documents; asymmetric KMS keys have no automatic rotation — rotation is a new key and CA
 * certificate installed by the operator (`ecert signing-key`).
 */
export class SigningCa extends Construct {
  readonly key: Key;
  readonly alias: Alias;

  constructor(scope: Construct, id: string, props: { readonly aliasName: string }) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'ecert: issuing CA of the electronic seal (certifies render-container keys, signs the CRL)',
      keySpec: SIGNING_CA_KEY_SPEC,
      keyUsage: KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.alias = new Alias(this, 'Alias', { aliasName: props.aliasName, targetKey: this.key });
  }
}
