import { describe, expect, it } from 'vitest';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEMO_LEGACY_CERT_ID, legacyElectronicFile } from '../../local/demo-data';
import { inkIn, pagePng, rasterizePage } from '../support/pdf-raster';
import { REPO_ROOT } from '../support/processes';

describe('the demo electronic file of the legacy certificate (issue 11)', () => {
  it('is in Chinese, drawn with real glyphs, and claims no electronic seal (R1: none before 2021-12-17)', async () => {
    // Prepare
    const pdf = await legacyElectronicFile(DEMO_LEGACY_CERT_ID);
    const lines = ['证书电子文件（演示）', `管理号：${DEMO_LEGACY_CERT_ID}`, '资格名称：审计专业技术资格（中级）', '无需加注'];
    // Act
    const page = rasterizePage(pdf, { dpi: 96, find: [...lines, '印章', '专用章', 'Electronic'] });
    // Assess
    for (const line of lines) {
      const [box] = page.found.get(line) ?? [];
      expect(box, line).toBeDefined();
      expect(inkIn(page, box!), line).toBeGreaterThan(20);
    }
    for (const absent of ['印章', '专用章', 'Electronic']) expect(page.found.get(absent), absent).toEqual([]);
    await mkdir(join(REPO_ROOT, 'test-results/portal'), { recursive: true });
    await writeFile(join(REPO_ROOT, 'test-results/portal/demo-legacy-file.png'), pagePng(pdf, { dpi: 60 }));
  });
});
