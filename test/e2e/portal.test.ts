import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../../shared/aws/clients';
import { getSecret } from '../../shared/config/secrets';
import { keys } from '../../shared/resources/table';
import { attachElectronicFile, revokeCertificate, upsertCertificate } from '../../shared/repository/certificates';
import { PORTAL_DIST_DIR } from '../../portal/build/build';
import { startTestStack, type TestStack } from '../support/local-stack';
import { certificateRecord, PASSWORD, residentId } from '../support/factories';
import { codeSentTo, testMobile } from '../support/holder-client';
import { minimalPdf } from '../support/pdf';
import { decodeQrOnFirstPage } from '../support/qr';
import { axeViolations, launchChromium, screenshot, type Browser } from '../support/browser';

// Browser globals used inside page.evaluate callbacks, which run in Chromium (the Node test program has no DOM typings).
declare const document: {
  fonts: Iterable<{ family: string; status: string }> & { check(font: string, text: string): boolean };
  documentElement: { scrollWidth: number };
};
declare const window: { innerWidth: number };
interface WebStorage {
  readonly length: number;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  clear(): void;
}
declare const sessionStorage: WebStorage;
declare const localStorage: WebStorage;

/**
 * The holder portal in a real browser (Debian's Chromium through playwright-core) against a local stack: the whole
 * flow a holder and a verifier walk, the states a certificate can be in, a phone-sized pass and an axe scan.
 * Screenshots land in test-results/portal/.
 */
let stack: TestStack;
let browser: Browser;
let page: Page;
/** The desktop tab (`page` is whichever tab the current step checks). */
let desktop: Page;

const HOLDER = { name: '林𠮷', idNumber: residentId('19920101') };
const valid = certificateRecord({ holderName: HOLDER.name, idNumber: HOLDER.idNumber, qualificationCode: 'ECONOMICS' });
const toRevoke = certificateRecord({
  holderName: HOLDER.name,
  idNumber: HOLDER.idNumber,
  qualificationCode: 'BANKING',
  level: '中级',
  specialty: '银行管理',
  issuer: '中国银行业协会',
});
const legacy = certificateRecord({
  holderName: HOLDER.name,
  idNumber: HOLDER.idNumber,
  qualificationCode: 'AUDIT',
  specialty: '',
  approvalDate: '2020-10-31',
  issuedAt: '2020-11-30',
  issuer: '中华人民共和国审计署',
});
const legacyFile = minimalPdf('legacy electronic file');

const DAY = 86_400_000;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  stack = await startTestStack({ portalDir: PORTAL_DIST_DIR, pollIdleDelayMs: 20 });
  const key = await getSecret('idHashKey');
  for (const record of [valid, toRevoke, legacy]) await upsertCertificate(record, key);
  await attachElectronicFile(legacy.certId, legacyFile);
  browser = await launchChromium();
  desktop = await browser.context.newPage();
  page = desktop;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const url = (path: string) => `${stack.apiUrl}${path}`;

/** Registration proves a contact (Accounts v2): a test mobile, 获取验证码, and the code read from the local outbox. */
async function fillCode(on: Page, _idNumber: string): Promise<void> {
  const mobile = testMobile();
  await on.getByLabel('手机号码或电子邮箱').fill(mobile);
  await on.getByRole('button', { name: '获取验证码' }).click();
  await on.getByText('验证码已发送').waitFor();
  await on.getByLabel('验证码', { exact: true }).fill(await codeSentTo(stack, mobile));
}

async function expectAccessible(name: string) {
  expect(await axeViolations(page), name).toEqual([]);
}

async function sessionToken(): Promise<string> {
  return page.evaluate(() => (JSON.parse(sessionStorage.getItem('ecert.session') ?? '{}') as { token: string }).token);
}

async function holderApi<T>(path: string): Promise<T> {
  const response = await stack.api(path, { headers: { authorization: `Bearer ${await sessionToken()}` } });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

describe('the holder portal, desktop', { timeout: 90_000 }, () => {
  let code = '';
  let pdf: Uint8Array;

  it('registers with an Extension B name entered through the rare-character helper', async () => {
    await page.goto(url('/register'));
    await page.getByLabel('姓名', { exact: true }).fill('林');
    await page.getByRole('button', { name: '生僻字输入' }).click();
    await page.getByLabel('按拼音查找生僻字').fill('ji2');
    const candidate = page.getByRole('button', { name: /^𠮷 jí/ });
    await candidate.waitFor();
    await expect.poll(() => page.locator('.rare-status').textContent()).toMatch(/找到 \d+ 个读音为“ji2”的生僻字/);
    await candidate.click();
    expect(await page.getByLabel('姓名', { exact: true }).inputValue()).toBe(HOLDER.name);
    // The glyph comes from the portal's own Extension B font slice, not from whatever fonts the machine has.
    await page.waitForFunction(() =>
      [...document.fonts].some((face) => face.family.replace(/"/g, '') === 'ecert-rare' && face.status === 'loaded'),
    );
    expect(await page.evaluate(() => document.fonts.check('16px ecert-rare', '𠮷'))).toBe(true);
    await page.getByLabel('证件号码').fill(HOLDER.idNumber);
    await page.getByLabel('设置密码').fill(PASSWORD);
    await page.getByLabel('确认密码').fill(PASSWORD);
    await fillCode(page, HOLDER.idNumber);
    await screenshot(page, 'register-rare-character');
    await expectAccessible('register');

    await page.getByRole('button', { name: '注册', exact: true }).click();
    await page.waitForURL(/\/notice$/);
  });

  it('shows the service notice and accepts it', async () => {
    await page.getByText('我已阅读并同意以上服务须知').waitFor();
    await expectAccessible('notice');
    await page.getByRole('button', { name: '同意并继续' }).click();
    await page.getByText('请先勾选“我已阅读并同意以上服务须知”').waitFor();
    await page.getByLabel('我已阅读并同意以上服务须知').check();
    await page.getByRole('button', { name: '同意并继续' }).click();
    await page.waitForURL(/\/certificates$/);
  });

  it('lists the certificates with status badges', async () => {
    const cards = page.locator('li.card');
    await expect.poll(() => cards.count()).toBe(3);
    await expect.poll(() => page.locator('.nav-user').textContent()).toContain(HOLDER.name);
    await screenshot(page, 'certificates');
    await expectAccessible('certificates');
    await page.getByRole('link', { name: /^经济专业技术资格/ }).first().click();
    await page.waitForURL(new RegExp(`/certificates/${valid.certId}$`));
  });

  it('applies with 90 days preselected; 证书生成中… turns into view/download without a reload', async () => {
    await page.getByRole('button', { name: '申请加注' }).waitFor();
    expect(await page.getByLabel('加注有效期（天）').inputValue()).toBe('90');
    expect(await page.locator('#quota-left').textContent()).toBe('3');
    await expectAccessible('certificate before applying');
    // A marker on the window survives only if the page is never reloaded.
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = 'same page'));

    await page.getByRole('button', { name: '申请加注' }).click();
    // The confirmation step: nothing is spent until 提交加注申请.
    await page.getByRole('button', { name: '提交加注申请' }).click();
    const pending = page.locator('li[data-status="PENDING"]');
    await pending.waitFor();
    expect(await pending.textContent()).toContain('证书生成中…');
    await screenshot(page, 'annotation-pending');

    const ready = page.locator('li[data-status="READY"]');
    await ready.waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same page');
    expect(await page.locator('#quota-left').textContent()).toBe('2');
    expect(await page.locator('#quota-next').textContent()).toMatch(/名额释放时间：\d{4}年/);
    code = (await ready.locator('code').textContent()) ?? '';
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{20}$/);
    await screenshot(page, 'annotation-ready');
    await expectAccessible('certificate with a ready annotation');
  });

  it('downloads the sealed PDF: the bytes recorded at issue, with a QR code that opens the verification page', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '下载加注件' }).click()]);
    pdf = new Uint8Array(await readFile((await download.path())!));
    expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    const list = await holderApi<{ items: { verificationCode?: string; documentSha256?: string }[] }>(
      `/v1/certificates/${valid.certId}/annotations`,
    );
    expect(list.items[0]).toMatchObject({ verificationCode: code, documentSha256: sha256(pdf) });
    expect(decodeQrOnFirstPage(pdf)).toBe(url(`/v1/verify/${code}`));

    // 在线查看 opens the same document inline in a new tab, through the portal's document route (a link minted per visit).
    const [tab] = await Promise.all([page.waitForEvent('popup'), page.getByRole('link', { name: '在线查看' }).click()]);
    await tab.waitForURL(/X-Amz-Signature=/);
    expect(new URL(tab.url()).searchParams.get('response-content-disposition')).toMatch(/^inline;/);
    await tab.close();
  });

  it('opening the QR URL in the browser lands on the verification page with the result', async () => {
    const verifier = await browser.context.newPage();
    await verifier.goto(url(`/v1/verify/${code}`));
    expect(new URL(verifier.url()).pathname + new URL(verifier.url()).search).toBe(`/verify?code=${code}`);
    await verifier.getByText('查验通过：证书真实有效').waitFor();
    expect(await verifier.locator('.verdict').textContent()).toContain('林*');
    page = verifier;
    await screenshot(verifier, 'verify-valid');
    await expectAccessible('verification result');

    // The same page verifies the file itself.
    await verifier.getByLabel('加注电子证书文件（PDF）').setInputFiles({ name: 'ecert.pdf', mimeType: 'application/pdf', buffer: Buffer.from(pdf) });
    await verifier.getByRole('button', { name: '上传并查验' }).click();
    await verifier.getByText('与签发时一致，未被修改').waitFor();

    // For verifiers abroad: the same page in English (the switch), the result with the seal's PAdES facts.
    await verifier.getByRole('button', { name: 'English' }).click();
    await verifier.getByRole('heading', { name: 'Certificate verification', exact: true }).waitFor();
    await verifier.getByText('Verified: the certificate is genuine and valid').waitFor();
    await verifier.getByLabel('Annotated e-certificate (PDF)').setInputFiles({ name: 'ecert.pdf', mimeType: 'application/pdf', buffer: Buffer.from(pdf) });
    await verifier.getByRole('button', { name: 'Upload and verify' }).click();
    await verifier.getByText('Identical to the file issued, not modified').waitFor();
    expect(await verifier.locator('.verdict').textContent()).toContain('PAdES B-LT');
    await screenshot(verifier, 'verify-valid-en');
    await expectAccessible('verification result in English');
    await verifier.getByRole('button', { name: '中文' }).click();
    await verifier.getByRole('heading', { name: '证书查验', exact: true }).waitFor();
    await verifier.close();
    page = desktop;
  });

  it('shows an expired annotation with what to do next, and the verification page says so', async () => {
    const list = await holderApi<{ items: { annotationId: string }[] }>(`/v1/certificates/${valid.certId}/annotations`);
    const until = new Date(Date.now() - 60_000);
    await ddb().send(
      new UpdateCommand({
        TableName: stack.target.tableName,
        Key: keys.annotation(valid.certId, list.items[0]!.annotationId),
        UpdateExpression: 'SET validUntilIso = :until, validUntil = :epoch, validFrom = :from, appliedAt = :from',
        ExpressionAttributeValues: {
          ':until': until.toISOString(),
          // Expired but not yet removed: TTL deletion lags (up to 48 h), and the local runtime's sweeper deletes
          // whatever is past its TTL epoch — this test's annotation would vanish instead of showing as expired.
          ':epoch': Math.ceil((Date.now() + DAY) / 1000),
          ':from': new Date(until.getTime() - 90 * DAY).toISOString(),
        },
      }),
    );
    await page.reload();
    const expired = page.locator('li[data-status="EXPIRED"]');
    await expired.waitFor();
    expect(await expired.textContent()).toContain('加注件已过期，不能再查看或下载。如需使用，请重新申请加注。');
    await screenshot(page, 'annotation-expired');

    await page.goto(url(`/verify?code=${code}`));
    await page.getByText('查验未通过').waitFor();
    expect(await page.locator('.verdict-reason').textContent()).toBe('加注件已过期，不能作为有效证明使用');
  });

  it('shows a revoked certificate with what it means and whom to ask', async () => {
    await revokeCertificate(toRevoke.certId, '测试撤销');
    await page.goto(url('/certificates'));
    const card = page.locator('li.card', { hasText: toRevoke.certId });
    await card.waitFor();
    expect(await card.locator('.badge-bad').textContent()).toBe('已撤销');
    await card.getByRole('link', { name: /^查看/ }).click();
    await page.getByRole('heading', { name: '证书已撤销' }).waitFor();
    expect(await page.locator('.message-error').textContent()).toContain('请联系签发单位：中国银行业协会');
    expect(await page.getByRole('button', { name: '申请加注' }).count()).toBe(0);
    await screenshot(page, 'certificate-revoked');
  });

  it('downloads the legacy electronic file of a certificate issued before 2021-12-17', async () => {
    await page.goto(url(`/certificates/${legacy.certId}`));
    await page.getByRole('heading', { name: '证书电子文件' }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: '下载证书电子文件' }).click(),
    ]);
    expect(sha256(new Uint8Array(await readFile((await download.path())!)))).toBe(sha256(legacyFile));
    await expectAccessible('legacy certificate');
  });

  it('sends a holder whose session is no longer valid back to the login page', async () => {
    await page.evaluate(() => {
      const session = JSON.parse(sessionStorage.getItem('ecert.session')!) as { token: string };
      sessionStorage.setItem('ecert.session', JSON.stringify({ ...session, token: 'x.y.z' }));
    });
    await page.goto(url('/certificates'));
    await page.waitForURL(/\/login\?next=%2Fcertificates$/);
    await page.getByText('登录已失效，请重新登录').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('ecert.session'))).toBeNull();
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
  });
});

describe('the holder portal on a 375×667 phone screen', { timeout: 90_000 }, () => {
  let phone: Page;
  beforeAll(async () => {
    phone = await browser.context.newPage();
    await phone.setViewportSize({ width: 375, height: 667 });
    page = phone;
  });

  const noHorizontalScroll = () => phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  it('logs in, lists, shows a certificate and verifies, all without sideways scrolling', async () => {
    await phone.goto(url('/login'));
    await phone.getByLabel('证件号码').fill(HOLDER.idNumber);
    await phone.getByLabel('密码').fill(PASSWORD);
    expect(await noHorizontalScroll()).toBe(true);
    await screenshot(phone, 'phone-login');
    await expectAccessible('login');
    await phone.getByRole('button', { name: '登录' }).click();
    await phone.waitForURL(/\/certificates$/);
    await phone.locator('li.card').first().waitFor();
    expect(await noHorizontalScroll()).toBe(true);
    await screenshot(phone, 'phone-certificates');

    await phone.goto(url(`/certificates/${valid.certId}`));
    await phone.locator('li[data-status="EXPIRED"]').waitFor();
    expect(await noHorizontalScroll()).toBe(true);
    await screenshot(phone, 'phone-certificate');

    await phone.goto(url('/verify'));
    await phone.getByLabel('管理号', { exact: true }).fill(valid.certId);
    await phone.getByLabel('持证人姓名', { exact: true }).fill(HOLDER.name);
    await phone.getByLabel('证件号码', { exact: true }).fill(HOLDER.idNumber);
    await phone.getByRole('button', { name: '查验', exact: true }).nth(1).click();
    await phone.getByText('查验通过：证书真实有效').waitFor();
    expect(await noHorizontalScroll()).toBe(true);
    await screenshot(phone, 'phone-verify');
    await expectAccessible('verification by holder');
  });

  it('explains an empty certificate list with the reasons, and logs out', async () => {
    const stranger = { name: '张三', idNumber: residentId('19850505') };
    await phone.evaluate(() => sessionStorage.clear());
    await phone.goto(url('/register'));
    await phone.getByLabel('姓名', { exact: true }).fill(stranger.name);
    await phone.getByLabel('证件号码').fill(stranger.idNumber);
    await phone.getByLabel('设置密码').fill(PASSWORD);
    await phone.getByLabel('确认密码').fill(PASSWORD);
    await fillCode(phone, stranger.idNumber);
    await phone.getByRole('button', { name: '注册', exact: true }).click();
    await phone.waitForURL(/\/notice$/);
    await phone.getByLabel('我已阅读并同意以上服务须知').check();
    await phone.getByRole('button', { name: '同意并继续' }).click();
    await phone.getByText('未查询到您名下的证书信息').waitFor();
    expect(await phone.locator('.empty-hint li').count()).toBe(3);
    expect(await noHorizontalScroll()).toBe(true);
    await screenshot(phone, 'phone-empty-list');
    await expectAccessible('empty list');

    await phone.getByRole('button', { name: '退出登录' }).click();
    await phone.waitForURL(/\/login$/);
    await phone.getByText('您已退出登录').waitFor();
    expect(await phone.evaluate(() => sessionStorage.getItem('ecert.session'))).toBeNull();
    await phone.goto(url('/certificates'));
    await phone.waitForURL(/\/login\?next=%2Fcertificates$/);
  });
});
