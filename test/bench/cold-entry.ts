// Bundled by cold.ts the way the render Lambda is bundled. Static imports evaluate before this body runs, so the first
// timestamp is Node start-up + module evaluation; the first render then includes reading and parsing the fonts.
import { renderSignedCertificate } from '../../shared/pdf/signed-certificate';
import { testSeal } from '../support/sealer';
import { benchInput, NAMES } from './inputs';

const initMs = performance.now();
// Made before the clock starts again: a container's CA bundle read, key and certificate (one kms:Sign in the cloud)
// and the TSA round trip are measured apart (docs/signing.md); here the TSA answers in process.
const { sealer: key } = await testSeal();
const started = performance.now();
const pdf = await renderSignedCertificate(benchInput(NAMES.extB), key);
console.log(JSON.stringify({ initMs, firstPdfMs: performance.now() - started, bytes: pdf.length }));
