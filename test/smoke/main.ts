/**
 * `npm run smoke -- --target local | --stack <name>`: the holder flow end to end against a running system, with a
 * test holder and certificate it makes and removes itself. Exit 0 when every step passed, 1 when one failed, 2 for
 * wrong usage or a target that cannot be found.
 */
import { TEST_RECORD_KINDS } from '../../shared/domain/test-records';
import { runSmoke } from './flow';
import { parseToolArgs, resolveToolTargetOrReport, TARGET_USAGE } from './target';

// Read when the first AWS client is built, i.e. after this line: Node 20 is supported by the SDK versions we pin.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const USAGE = `Usage: npm run smoke -- [--target local | --stack <name>] [options]

Runs the holder flow once: health, a test certificate imported with 'ecert import', register, log in, accept the
notice, list certificates, apply, wait for READY, download (SHA-256 checked against documentSha256), verify by code and
by the downloaded PDF, revoke with 'ecert revoke' and check that verification and download refuse — then removes what it
made with 'ecert test-data remove' (certificate ${TEST_RECORD_KINDS.smoke.certIdPrefix}…, its annotation, PDF, verification code and the
test holder), also when a step failed. Each step prints its time.

${TARGET_USAGE}
Options:
  --ready-timeout <s>    how long the annotation may stay PENDING (default 120)
  --keep                 keep the test records (remove them later with 'ecert test-data remove <certId>')

Exit codes: 0 passed; 1 a step failed; 2 usage error or target not found.`;

async function run(): Promise<number> {
  let values;
  try {
    ({ values } = parseToolArgs(process.argv.slice(2), { 'ready-timeout': { type: 'string' }, keep: { type: 'boolean' } }));
  } catch (error) {
    console.error(`smoke: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const readyTimeout = values['ready-timeout'] === undefined ? 120 : Number(values['ready-timeout']);
  if (!Number.isFinite(readyTimeout) || readyTimeout <= 0) {
    console.error('smoke: --ready-timeout must be a positive number of seconds');
    return 2;
  }
  const target = await resolveToolTargetOrReport('smoke', values);
  if (!target) return 2;
  const report = await runSmoke(target, { readyTimeoutMs: readyTimeout * 1000, keep: values.keep ?? false });
  return report.ok ? 0 : 1;
}

process.exit(await run());
