import { ENV } from '../shared/config/env';
import { startLocalTsa } from './tsa-server';

/**
 * What the seal needs beside the emulators: an RFC 3161 TSA on loopback, unless ECERT_TSA_URL already names one.
 * Returns the stop function for the runtime's shutdown list.
 */
export async function startLocalSeal(options: {
  dataDir: string;
  host: string;
  port: number;
  log: (line: string) => void;
}): Promise<() => Promise<void>> {
  const configured = process.env[ENV.tsaUrl];
  if (configured && !configured.startsWith(`http://${options.host}:`)) {
    options.log(`time-stamping authority: ${configured} (ECERT_TSA_URL)`);
    return async () => undefined;
  }
  const tsa = await startLocalTsa({ dataDir: options.dataDir, host: options.host, port: options.port });
  process.env[ENV.tsaUrl] = tsa.url;
  return tsa.stop;
}
