import { createHash } from 'node:crypto';
import { CustomResource, Duration, Stack, type CfnElement } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { SigningKeyInitProperties } from '../../functions/jobs/signing-key-init';
import { acknowledge } from '../nag';
import { nodejsFunctionBase, SERVICE_NAME } from './functions';

export const SIGNING_KEY_INIT_ENTRY = 'functions/jobs/signing-key-init.ts';

/** The only actions the SigningKeyInit handler has: on the signing-key secret, and on the issuing-CA KMS key. */
export const SIGNING_KEY_INIT_ACTIONS = ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'] as const;
export const SIGNING_KEY_INIT_KMS_ACTIONS = ['kms:GetPublicKey', 'kms:Sign'] as const;

export interface SigningKeyInitProps {
  /** The signing-key secret (created with a placeholder by AppSecrets): it receives the CA bundle. */
  readonly secret: ISecret;
  /** The issuing CA's KMS key: the handler self-signs a CA certificate with it. */
  readonly caKey: IKey;
  /** Organization (O) of the self-signed certificate, e.g. the stack and configuration name. */
  readonly organization: string;
  readonly logRetention: RetentionDays;
  /**
   * Changes whenever the secret's generated value would (its GenerateSecretString): CloudFormation then updates the
   * custom resource too, so a regenerated placeholder is replaced by a key in the same deployment.
   */
  readonly secretGeneration: string;
}

/**
 * Makes a first deployment able to sign: a CloudFormation custom resource whose handler
 * (functions/jobs/signing-key-init.ts) writes the issuing-CA bundle — a self-signed CA certificate for the KMS key,
 * signed by that key — into the signing-key secret on Create/Update unless it already holds a valid bundle for the
 * key. It never replaces a valid bundle (an operator's CA-issued certificate) and does nothing on Delete.
 *
 * The handler's role can only GetSecretValue/PutSecretValue on that one secret and GetPublicKey/Sign on that key. The Provider framework's function
 * gets its own role too (instead of the default one with the AWSLambdaBasicExecutionRole managed policy), writing
 * only to its own log group.
 */
export class SigningKeyInit extends Construct {
  readonly handler: NodejsFunction;
  readonly handlerRole: Role;
  readonly provider: Provider;
  readonly frameworkRole: Role;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: SigningKeyInitProps) {
    super(scope, id);

    const handlerLogs = new LogGroup(this, 'HandlerLogs', { retention: props.logRetention });
    this.handlerRole = new Role(this, 'HandlerRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'ecert SigningKeyInit custom resource handler',
    });
    handlerLogs.grantWrite(this.handlerRole);
    this.handlerRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...SIGNING_KEY_INIT_ACTIONS], resources: [props.secret.secretArn] }),
    );
    this.handlerRole.addToPrincipalPolicy(new PolicyStatement({ actions: [...SIGNING_KEY_INIT_KMS_ACTIONS], resources: [props.caKey.keyArn] }));
    this.handler = new NodejsFunction(this, 'Handler', {
      ...nodejsFunctionBase(SIGNING_KEY_INIT_ENTRY),
      memorySize: 256,
      timeout: Duration.minutes(1),
      description: `ecert SigningKeyInit (${SIGNING_KEY_INIT_ENTRY})`,
      role: this.handlerRole,
      logGroup: handlerLogs,
      environment: { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: SERVICE_NAME },
    });

    const frameworkLogs = new LogGroup(this, 'ProviderLogs', { retention: props.logRetention });
    this.frameworkRole = new Role(this, 'ProviderRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'ecert SigningKeyInit custom resource provider framework',
    });
    frameworkLogs.grantWrite(this.frameworkRole);
    this.provider = new Provider(this, 'Provider', {
      onEventHandler: this.handler,
      frameworkOnEventRole: this.frameworkRole,
      logGroup: frameworkLogs,
    });
    // The framework grants itself lambda:InvokeFunction through grantInvoke, which always names `<arn>` and `<arn>:*`.
    const handlerId = Stack.of(this).getLogicalId(this.handler.node.defaultChild as CfnElement);
    acknowledge(
      this.frameworkRole,
      `AwsSolutions-IAM5[Resource::<${handlerId}.Arn>:*]`,
      'The custom-resource Provider framework grants its function lambda:InvokeFunction on the SigningKeyInit ' +
        'handler through grantInvoke, which always adds `<handler ARN>:*`: the wildcard only spans versions and ' +
        'aliases of that one function (it publishes none), no other function.',
    );

    const properties: SigningKeyInitProperties = {
      SecretId: props.secret.secretArn,
      KeyId: props.caKey.keyArn,
      Organization: props.organization,
      SecretGeneration: createHash('sha256').update(props.secretGeneration).digest('hex').slice(0, 16),
    };
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.provider.serviceToken,
      resourceType: 'Custom::SigningKeyInit',
      properties: { ...properties },
    });
  }
}
