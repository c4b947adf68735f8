/**
 * Render benchmark (run in its own process, so "cold" is a real first PDF: module load, font parsing, first embed).
 * The signed PDF is the whole B-LT document — page, embedded credential, CAdES signature, RFC 3161 time-stamp, DSS —
 * with the TSA answering in process: its own signing time is measured and reported apart, and there is no network
 * round trip (a real TSA adds one per PDF; docs/signing.md). Prints one BENCH_RESULT line.
 */
import { inProcessAuthority } from '../../shared/signing/timestamp-responder';
import type { TimestampAuthority } from '../../shared/signing/timestamp';
import { testSeal } from '../support/sealer';
import { benchInput, NAMES } from './inputs';
import { report, round, summarize } from './stats';

const ITERATIONS = Number(process.env.BENCH_RENDER_ITERATIONS ?? 300);
const seal = await testSeal();
let tsaMs = 0;
const inner = inProcessAuthority(seal.tsa.responder);
const timed: TimestampAuthority = {
  name: inner.name,
  async timestamp(digest) {
    const t = performance.now();
    const token = await inner.timestamp(digest);
    tsaMs += performance.now() - t;
    return token;
  },
};
const sealer = { ...seal.sealer, tsa: timed };

const coldStart = performance.now();
const { renderSignedCertificate } = await import('../../shared/pdf/signed-certificate');
const { renderAnnotatedCertificate } = await import('../../shared/pdf/annotated-certificate');
const first = await renderSignedCertificate(benchInput(NAMES.extB), sealer);
const coldMs = performance.now() - coldStart;

const results: Record<string, unknown> = { coldFirstPdfMs: round(coldMs), coldFirstPdfBytes: first.length };
for (const [label, name] of Object.entries(NAMES)) {
  const signed: number[] = [];
  const withoutTsa: number[] = [];
  const cpu: number[] = [];
  const unsigned: number[] = [];
  let bytes = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const input = benchInput(name, i);
    tsaMs = 0;
    const cpuStart = process.cpuUsage();
    let t = performance.now();
    const pdf = await renderSignedCertificate(input, sealer);
    const elapsed = performance.now() - t;
    const used = process.cpuUsage(cpuStart);
    signed.push(elapsed);
    withoutTsa.push(elapsed - tsaMs);
    cpu.push((used.user + used.system) / 1000);
    bytes = pdf.length;
    t = performance.now();
    await renderAnnotatedCertificate(input);
    unsigned.push(performance.now() - t);
  }
  results[label] = {
    signedPdfMs: summarize(signed),
    signedPdfWithoutTsaMs: summarize(withoutTsa),
    signedPdfCpuMs: summarize(cpu),
    renderOnlyMs: summarize(unsigned),
    pdfBytes: bytes,
  };
}
report({ bench: 'render', iterations: ITERATIONS, ...results });
