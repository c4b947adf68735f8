import { App } from 'aws-cdk-lib';
import { buildPortal } from '../portal/build/build';
import { APP_CONTEXT, loadConfig } from './config';
import { addNagChecks } from './nag';
import { EcertStack } from './stack';

/**
 * CDK entry point (cdk.json: `npx tsx infra/app.ts`). `npx cdk synth -c environment=prod` picks the configuration.
 * The stack deploys to the account and region of the caller's credentials; when it creates the distribution's web ACL
 * (prod) it is bound to them explicitly (CDK_DEFAULT_ACCOUNT/REGION, set by the CDK CLI), because the ACL lives in a
 * us-east-1 stack it references across Regions.
 */
// The portal's BucketDeployment stages portal/dist: build it first (cheap when nothing changed).
await buildPortal({ log: (line) => console.error(line) });

const app = new App({ context: APP_CONTEXT });
const config = loadConfig((key) => app.node.tryGetContext(key));
const callers = process.env.CDK_DEFAULT_REGION
  ? { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } }
  : {};
new EcertStack(app, config.stackName, { config, ...(config.createWebAcl && !config.portalWebAclArn ? callers : {}) });
addNagChecks(app);
app.synth();
