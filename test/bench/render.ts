/**
 * Render benchmark (run in its own process, so "cold" is a real first PDF: module load, font parsing, first embed).
 * Prints one BENCH_RESULT line.
 */
import { generateSelfSignedMaterial, loadSigningKey } from '../../shared/signing/key-material';
import { benchInput, NAMES } from './inputs';
import { report, round, summarize } from './stats';

const ITERATIONS = Number(process.env.BENCH_RENDER_ITERATIONS ?? 300);
const key = loadSigningKey(JSON.stringify(generateSelfSignedMaterial({ commonName: 'ecert bench', organization: 'ecert' })));

const coldStart = performance.now();
const { renderSignedCertificate } = await import('../../shared/pdf/signed-certificate');
const { renderAnnotatedCertificate } = await import('../../shared/pdf/annotated-certificate');
const first = await renderSignedCertificate(benchInput(NAMES.extB), key);
const coldMs = performance.now() - coldStart;

const results: Record<string, unknown> = { coldFirstPdfMs: round(coldMs), coldFirstPdfBytes: first.length };
for (const [label, name] of Object.entries(NAMES)) {
  const signed: number[] = [];
  const unsigned: number[] = [];
  let bytes = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const input = benchInput(name, i);
    let t = performance.now();
    const pdf = await renderSignedCertificate(input, key);
    signed.push(performance.now() - t);
    bytes = pdf.length;
    t = performance.now();
    await renderAnnotatedCertificate(input);
    unsigned.push(performance.now() - t);
  }
  results[label] = { signedPdfMs: summarize(signed), renderOnlyMs: summarize(unsigned), pdfBytes: bytes };
}
report({ bench: 'render', iterations: ITERATIONS, ...results });
