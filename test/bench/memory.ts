/**
 * Memory benchmark: peak RSS of the render path over many PDFs (default 1,000), sampled every 50, to show it stays
 * flat. Run in its own process with --expose-gc so heap after GC is comparable between samples.
 */
import { renderSignedCertificate } from '../../shared/pdf/signed-certificate';
import { testSeal } from '../support/sealer';
import { benchInput, NAMES } from './inputs';
import { report, round } from './stats';

const COUNT = Number(process.env.BENCH_MEMORY_PDFS ?? 1000);
const { sealer: key } = await testSeal();
const gc = (globalThis as { gc?: () => void }).gc;
const mb = (n: number) => round(n / 1024 / 1024, 1);
const samples: Array<{ pdfs: number; rssMb: number; heapUsedMb: number }> = [];
let peak = 0;
for (let i = 1; i <= COUNT; i++) {
  await renderSignedCertificate(benchInput(i % 2 ? NAMES.extB : NAMES.ordinary, i), key);
  peak = Math.max(peak, process.memoryUsage.rss());
  if (i % 50 === 0) {
    gc?.();
    const usage = process.memoryUsage();
    samples.push({ pdfs: i, rssMb: mb(usage.rss), heapUsedMb: mb(usage.heapUsed) });
  }
}
const early = samples.find((s) => s.pdfs >= 100) ?? samples[0]!;
const last = samples[samples.length - 1]!;
report({
  bench: 'memory',
  pdfs: COUNT,
  peakRssMb: mb(peak),
  rssAt100Mb: early.rssMb,
  rssAtEndMb: last.rssMb,
  heapAfterGcAt100Mb: early.heapUsedMb,
  heapAfterGcAtEndMb: last.heapUsedMb,
  samples,
});
