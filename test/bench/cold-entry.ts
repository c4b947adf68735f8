// Bundled by cold.ts the way the render Lambda is bundled. Static imports evaluate before this body runs, so the first
// timestamp is Node start-up + module evaluation; the first render then includes reading and parsing the fonts.
import { renderSignedCertificate } from '../../shared/pdf/signed-certificate';
import { generateSelfSignedMaterial, loadSigningKey } from '../../shared/signing/key-material';
import { benchInput, NAMES } from './inputs';

const initMs = performance.now();
// Not part of a real cold start (the key comes from Secrets Manager): made before the clock starts again.
const key = loadSigningKey(JSON.stringify(generateSelfSignedMaterial({ commonName: 'ecert bench', organization: 'ecert' })));
const started = performance.now();
const pdf = await renderSignedCertificate(benchInput(NAMES.extB), key);
console.log(JSON.stringify({ initMs, firstPdfMs: performance.now() - started, bytes: pdf.length }));
