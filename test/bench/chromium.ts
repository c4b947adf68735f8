/**
 * The same certificate made the usual way — HTML printed to PDF by headless Chromium (Debian's) — for a side-by-side
 * figure. Same content, same fonts (Noto Serif SC + HanaMinB via @font-face), SVG seal and QR code.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import QRCode from 'qrcode';
import { chromium } from 'playwright-core';
import { FONT_FILES } from '../../shared/resources/font-files';
import { ID_TYPE_LABELS } from '../../shared/domain/identity';
import { shanghaiDateTime } from '../../shared/domain/annotation';
import type { AnnotatedCertificateInput } from '../../shared/pdf/annotated-certificate';
import { benchInput, NAMES } from './inputs';
import { report, round, summarize } from './stats';
import { REPO_ROOT as ROOT } from '../../shared/repo-root';

const ITERATIONS = Number(process.env.BENCH_CHROMIUM_ITERATIONS ?? 30);
const font = (file: string) => pathToFileURL(join(ROOT, file)).href;

async function html(input: AnnotatedCertificateInput): Promise<string> {
  const c = input.certificate;
  const q = input.qualification;
  const qr = await QRCode.toString(input.verificationUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  const rows: Array<[string, string]> = [
    ['姓　　名', c.holderName], ['证件类型', ID_TYPE_LABELS[c.idType]], ['证件号码', c.idNumber], ['资格名称', q.name],
    ['级　　别', c.level], ['专　　业', c.specialty ?? ''], ['批准日期', c.approvalDate], ['管 理 号', c.certId],
    ['签发单位', c.issuer], ['签发日期', c.issuedAt],
  ];
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@font-face{font-family:Serif;src:url(${font(FONT_FILES.serif)})}
@font-face{font-family:Serif;font-weight:bold;src:url(${font(FONT_FILES.serifBold)})}
@font-face{font-family:ExtB;src:url(${font(FONT_FILES.extB)})}
@page{size:A4;margin:0}
body{margin:0;font-family:Serif,ExtB;color:#222}
.page{position:relative;width:210mm;height:297mm;box-sizing:border-box;border:2.4pt solid #9e1a1f;outline:0.8pt solid #b88f42;outline-offset:-9pt;background:#fffdf8}
h1{margin:0;text-align:center;color:#9e1a1f;font-size:27pt;letter-spacing:2pt;padding-top:28mm}
h2{text-align:center;font-size:19pt;margin:8pt 0}
table{margin:10mm auto 0 60mm;border-collapse:collapse}td{padding:4pt 6pt;font-size:13pt}td:first-child{color:#666;text-align:right}
.seal{position:absolute;right:30mm;bottom:62mm;width:50mm;height:50mm}
.qr{position:absolute;left:22mm;bottom:72mm;width:35mm}
.box{position:absolute;left:22mm;right:22mm;bottom:23mm;border:1pt solid #9e1a1f;background:#fdf5ed;padding:6pt 12pt;font-size:10.5pt}
.wm{position:absolute;left:20mm;top:140mm;transform:rotate(-32deg);font-size:24pt;color:rgba(158,26,31,.09)}
</style></head><body><div class="page">
<h1>专业技术人员职业资格证书</h1><h2>${q.name}</h2>
<table>${rows.map(([l, v]) => `<tr><td>${l}：</td><td>${v}</td></tr>`).join('')}</table>
<svg class="seal" viewBox="-100 -100 200 200"><circle r="96" fill="none" stroke="#cc1217" stroke-width="5"/>
<path id="arc" d="M -70 30 A 76 76 0 1 1 70 30" fill="none"/><text fill="#cc1217" font-size="16"><textPath href="#arc">${q.sealName}</textPath></text>
<polygon fill="#cc1217" points="0,-30 9,-9 29,-9 13,4 19,25 0,12 -19,25 -13,4 -29,-9 -9,-9"/></svg>
<div class="qr">${qr}<div style="font-size:7.5pt;text-align:center">${input.annotation.verificationCode}</div></div>
<div class="wm">${input.scenario.watermark} · 有效期至${shanghaiDateTime(input.annotation.validUntil).slice(0, 11)}</div>
<div class="box"><b>电子证书加注信息</b><br>使用场景：${input.scenario.label}<br>加注有效期：${shanghaiDateTime(input.annotation.validFrom)} 至 ${shanghaiDateTime(input.annotation.validUntil)}<br>加注编号：${input.annotation.annotationId}</div>
</div></body></html>`;
}

const dir = mkdtempSync(join(tmpdir(), 'ecert-chromium-'));
const coldStart = performance.now();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--allow-file-access-from-files'],
});
const page = await browser.newPage();
const render = async (input: AnnotatedCertificateInput) => {
  const file = join(dir, 'cert.html');
  writeFileSync(file, await html(input));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await page.evaluate('document.fonts.ready');
  return page.pdf({ format: 'A4', printBackground: true });
};
const first = await render(benchInput(NAMES.extB));
const coldMs = performance.now() - coldStart;
const times: number[] = [];
let bytes = first.length;
for (let i = 0; i < ITERATIONS; i++) {
  const t = performance.now();
  bytes = (await render(benchInput(i % 2 ? NAMES.extB : NAMES.ordinary, i))).length;
  times.push(performance.now() - t);
}
await browser.close();
writeFileSync(join(dir, 'last.pdf'), first);
report({ bench: 'chromium', iterations: ITERATIONS, coldFirstPdfMs: round(coldMs), warmMs: summarize(times), pdfBytes: bytes });
