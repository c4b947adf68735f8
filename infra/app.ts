import { App } from 'aws-cdk-lib';
import { buildPortal } from '../portal/build/build';
import { APP_CONTEXT, loadConfig } from './config';
import { addNagChecks } from './nag';
import { EcertStack } from './stack';

/**
 * CDK entry point (cdk.json: `npx tsx infra/app.ts`). `npx cdk synth -c environment=prod` picks the configuration;
 * the stack is environment-agnostic, so `cdk deploy` targets the account and region of the caller's credentials.
 */
// The portal's BucketDeployment stages portal/dist: build it first (cheap when nothing changed).
await buildPortal({ log: (line) => console.error(line) });

const app = new App({ context: APP_CONTEXT });
const config = loadConfig((key) => app.node.tryGetContext(key));
new EcertStack(app, config.stackName, { config });
addNagChecks(app);
app.synth();
