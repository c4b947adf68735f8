import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Request } from 'playwright-core';
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
import { fetchFrom } from '../support/source-http';
import { axeViolations, launchChromium, screenshot, type Browser } from '../support/browser';

// Browser globals used inside page.evaluate callbacks, which run in Chromium (the Node test program has no DOM typings).
declare const document: { fonts: { check(font: string, text: string): boolean; ready: Promise<unknown> } };
declare const sessionStorage: { getItem(key: string): string | null };
declare function getComputedStyle(element: unknown): { backgroundColor: string; color: string; cursor: string };
declare const window: { innerWidth: number; document: { documentElement: { scrollWidth: number } } };

/**
 * Accounts v2 in the portal, in a real browser (Debian's Chromium through playwright-core) against a local stack:
 * re-registration from the empty list, 账号设置 (name correction with a rare character, password, contact),
 * 忘记密码, the confirmation step before a quota slot is spent (with 到期提醒), documents opened through the portal's
 * route, the quota-exhausted state, and the proof-of-work challenge. Codes are read from the local outbox.
 * Screenshots land in test-results/portal/.
 */
let stack: TestStack;
let browser: Browser;
let page: Page;

/** Registered first as 刘龑 (the BMP variant), the certificate says 刘䶮 (Extension A). */
const LIU = { name: '刘䶮', typo: '刘龑', idNumber: residentId('19880808'), mobile: testMobile() };
/** Registered first as 陈顗, the certificate says 陈𫖮 (Extension C); corrects the name in 账号设置. */
const CHEN = { name: '陈𫖮', typo: '陈顗', idNumber: residentId('19910303'), mobile: testMobile() };
const NEW_PASSWORD = 'Changed-Pass-2027';
const RESET_PASSWORD = 'Reset-Pass-2028';

const liuCert = certificateRecord({ holderName: LIU.name, idNumber: LIU.idNumber, qualificationCode: 'ACCOUNTING', level: '中级', specialty: '' });
const chenCert = certificateRecord({ holderName: CHEN.name, idNumber: CHEN.idNumber, qualificationCode: 'STATISTICS', level: '中级', specialty: '统计' });
const chenLegacy = certificateRecord({
  holderName: CHEN.name,
  idNumber: CHEN.idNumber,
  qualificationCode: 'AUDIT',
  specialty: '',
  approvalDate: '2019-10-31',
  issuedAt: '2019-11-30',
  issuer: '中华人民共和国审计署',
});
const chenRevoked = certificateRecord({ holderName: CHEN.name, idNumber: CHEN.idNumber, qualificationCode: 'PUBLISHING', level: '初级', specialty: '' });

const DAY = 86_400_000;
/**
 * A step may register (scrypt at N = 2^17, ~0.6 s of a core per hash) and wait for a render while the other test
 * files share the machine's two cores: vitest's 30 s default is too tight for that.
 */
const BROWSER_STEP_MS = 90_000;
const url = (path: string) => `${stack.apiUrl}${path}`;

beforeAll(async () => {
  stack = await startTestStack({ portalDir: PORTAL_DIST_DIR, pollIdleDelayMs: 20 });
  const key = await getSecret('idHashKey');
  for (const record of [liuCert, chenCert, chenLegacy, chenRevoked]) await upsertCertificate(record, key);
  await attachElectronicFile(chenLegacy.certId, minimalPdf('legacy electronic file'));
  await revokeCertificate(chenRevoked.certId, '测试撤销');
  browser = await launchChromium();
  page = await browser.context.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function expectAccessible(name: string) {
  expect(await axeViolations(page), name).toEqual([]);
}

/** A name typed in full, or built from a BMP prefix and a character picked in the helper by its reading. */
async function enterName(label: string, name: string | { prefix: string; query: string; pick: string }) {
  const input = page.getByLabel(label, { exact: true });
  if (typeof name === 'string') return input.fill(name);
  await input.fill(name.prefix);
  await page.getByRole('button', { name: '生僻字输入' }).click();
  await page.getByLabel('按拼音查找生僻字').fill(name.query);
  await page.getByRole('button', { name: new RegExp(`^${name.pick} `) }).click();
  expect(await input.inputValue()).toBe(`${name.prefix}${name.pick}`);
}

async function register(person: { idNumber: string; mobile: string }, name: Parameters<typeof enterName>[1], path = '/register') {
  await page.goto(url(path));
  await enterName('姓名', name);
  await page.getByLabel('证件号码').fill(person.idNumber);
  await page.getByLabel('设置密码').fill(PASSWORD);
  await page.getByLabel('确认密码').fill(PASSWORD);
  await page.getByLabel('手机号码或电子邮箱').fill(person.mobile);
  await page.getByRole('button', { name: '获取验证码' }).click();
  await page.getByText('验证码已发送').waitFor();
  await page.getByLabel('验证码', { exact: true }).fill(await codeSentTo(stack, person.mobile));
  await page.getByRole('button', { name: '注册', exact: true }).click();
  // A replaced account keeps the notice it accepted; a new one reads it first.
  await page.waitForURL(/\/(notice|certificates)$/);
  if (page.url().endsWith('/notice')) {
    await page.getByLabel('我已阅读并同意以上服务须知').check();
    await page.getByRole('button', { name: '同意并继续' }).click();
    await page.waitForURL(/\/certificates$/);
  }
}

async function logIn(idNumber: string, password: string) {
  await page.goto(url('/login'));
  await page.getByLabel('证件号码').fill(idNumber);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(/\/(certificates|notice)$/);
}

const token = () => page.evaluate(() => (JSON.parse(sessionStorage.getItem('ecert.session') ?? '{}') as { token?: string }).token ?? '');
const asHolder = async (path: string) => stack.api(path, { headers: { authorization: `Bearer ${await token()}` } });

describe('re-registration from the empty list', { timeout: BROWSER_STEP_MS }, () => {
  it('a name typed wrong leaves the list empty; the hint leads to re-registration, which replaces the account', async () => {
    await register(LIU, LIU.typo);
    await page.getByText('未查询到您名下的证书信息').waitFor();
    const oldToken = await token();
    await page.getByRole('link', { name: '凭验证码重新注册' }).click();
    await page.waitForURL(/\/register\?reregister=1$/);
    await page.getByRole('heading', { name: '重新注册将替换原账号' }).waitFor();
    await screenshot(page, 'accounts-reregister');
    await expectAccessible('re-registration');

    // 䶮 (U+4DAE, Extension A) through the helper, its glyph from the portal's own font.
    await register(LIU, { prefix: '刘', query: 'yan3', pick: '䶮' }, '/register?reregister=1');
    await page.locator('li.card', { hasText: liuCert.certId }).waitFor();
    expect(await page.locator('.nav-user').textContent()).toContain(LIU.name);
    await page.evaluate(() => document.fonts.ready);
    expect(await page.evaluate(() => document.fonts.check('16px ecert-rare', '䶮'))).toBe(true);
    // The replaced account's sessions ended.
    expect((await stack.api('/v1/certificates', { headers: { authorization: `Bearer ${oldToken}` } })).status).toBe(401);
  });
});

describe('账号设置', { timeout: BROWSER_STEP_MS }, () => {
  it('shows the account with the contact masked and says where 到期提醒 is chosen', async () => {
    await register(CHEN, CHEN.typo);
    await page.getByText('未查询到您名下的证书信息').waitFor();
    await page.getByRole('link', { name: '账号设置' }).first().click();
    await page.waitForURL(/\/account$/);
    const info = page.locator('#account-info');
    await info.getByText(CHEN.typo).waitFor();
    const masked = (await info.textContent()) ?? '';
    expect(masked).toMatch(/\*/);
    expect(masked).not.toContain(CHEN.mobile.slice(-8));
    expect(masked).not.toContain(CHEN.idNumber);
    expect(await page.locator('#remind-section').textContent()).toContain('申请加注');
    await screenshot(page, 'accounts-settings');
    await expectAccessible('account settings');
  });

  it('corrects the name with the current password (𫖮 through the helper); the certificate list refreshes under it', async () => {
    await page.getByLabel('正确的姓名').fill('');
    await page.getByRole('button', { name: '更正姓名' }).click();
    await page.locator('#name-new-error').getByText('姓名不能为空').waitFor();
    // Wrong password: the field says so and nothing changes.
    await enterName('正确的姓名', { prefix: '陈', query: 'yi3', pick: '𫖮' });
    await page.locator('#name-password').fill('Not-The-Password-1');
    await page.getByRole('button', { name: '更正姓名' }).click();
    await page.locator('#name-section').getByText('当前密码不正确').first().waitFor();
    expect(((await (await asHolder('/v1/accounts/me')).json()) as { name: string }).name).toBe(CHEN.typo);

    await page.locator('#name-password').fill(PASSWORD);
    await page.getByRole('button', { name: '更正姓名' }).click();
    await page.waitForURL(/\/certificates$/);
    await page.getByText(`姓名已更正为“${CHEN.name}”`).waitFor();
    await expect.poll(() => page.locator('li.card').count()).toBe(3);
    expect(await page.locator('.nav-user').textContent()).toContain(CHEN.name);
    await screenshot(page, 'accounts-name-corrected');
  });

  it('each card offers what its certificate allows', async () => {
    const action = (certId: string) => page.locator('li.card', { hasText: certId }).locator('.button-link').textContent();
    expect(await action(chenCert.certId)).toBe('查看与加注');
    expect(await action(chenLegacy.certId)).toBe('查看证书电子文件');
    expect(await action(chenRevoked.certId)).toBe('查看证书');
  });

  it('changes the contact with a code sent to the new one', async () => {
    const newMobile = testMobile();
    await page.goto(url('/account'));
    await page.getByLabel('新的手机号码或电子邮箱').fill(newMobile);
    // Fields are checked before a code is asked for; an error goes once the field is fixed.
    await page.locator('#contact-section').getByRole('button', { name: '获取验证码' }).click();
    const idError = page.locator('#contact-idNumber-error');
    await idError.waitFor();
    await page.locator('#contact-idNumber').fill(CHEN.idNumber);
    await idError.waitFor({ state: 'hidden' });
    await page.locator('#contact-section').getByRole('button', { name: '获取验证码' }).click();
    await page.getByText('验证码已发送到新的联系方式').waitFor();
    expect(await page.locator('#contact-section').getByRole('button', { name: /重新获取/ }).isDisabled()).toBe(true);
    await page.locator('#contact-code').fill(await codeSentTo(stack, newMobile));
    await page.getByRole('button', { name: '更换联系方式' }).click();
    await page.getByText('联系方式已更换').waitFor();
    const shown = (await page.locator('#contact-current').textContent()) ?? '';
    expect(shown.slice(-4)).toBe(newMobile.slice(-4));
    expect(shown).not.toBe(newMobile);
    CHEN.mobile = newMobile;
  });

  it('changes the password: every session ends, the new password logs in', async () => {
    const before = await token();
    await page.locator('#pw-current').fill(PASSWORD);
    await page.locator('#pw-new').fill(NEW_PASSWORD);
    await page.locator('#pw-new2').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: '修改密码' }).click();
    await page.waitForURL(/\/login\?next=%2Faccount$/);
    await page.getByText('密码已修改，请使用新密码重新登录').waitFor();
    expect((await stack.api('/v1/accounts/me', { headers: { authorization: `Bearer ${before}` } })).status).toBe(401);
    await page.getByLabel('证件号码').fill(CHEN.idNumber);
    await page.getByLabel('密码', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL(/\/account$/);
  });
});

describe('忘记密码', { timeout: BROWSER_STEP_MS }, () => {
  it('answers alike for a registered and an unknown ID; the code reaches the account’s contact; the new password logs in', async () => {
    await page.goto(url('/login'));
    await page.getByRole('link', { name: '忘记密码？' }).click();
    await page.waitForURL(/\/forgot-password$/);
    // Field errors appear on submit and each goes once its field is changed.
    await page.getByRole('button', { name: '重置密码' }).click();
    await page.getByText('请修改3处错误后再提交').waitFor();
    await page.getByLabel('证件号码').fill(residentId('19700101'));
    expect(await page.locator('#reset-idNumber-error').isHidden()).toBe(true);
    expect(await page.locator('#reset-code-error').isVisible()).toBe(true);

    // An ID without an account: the same words as for one with an account.
    await page.getByRole('button', { name: '获取验证码' }).click();
    const sent = page.locator('.message-success');
    await sent.waitFor();
    const unknownAnswer = await sent.textContent();
    await page.reload();
    await page.getByLabel('证件号码').fill(CHEN.idNumber);
    await page.getByRole('button', { name: '获取验证码' }).click();
    await sent.waitFor();
    expect(await sent.textContent()).toBe(unknownAnswer);
    await screenshot(page, 'accounts-forgot-password');
    await expectAccessible('forgot password');

    // A wrong code is refused at the code field.
    await page.getByLabel('验证码', { exact: true }).fill('000000');
    await page.getByLabel('新密码', { exact: true }).fill(RESET_PASSWORD);
    await page.getByLabel('确认新密码').fill(RESET_PASSWORD);
    await page.getByRole('button', { name: '重置密码' }).click();
    await page.getByText('验证码不正确或已失效，请重新获取').waitFor();

    await page.getByLabel('验证码', { exact: true }).fill(await codeSentTo(stack, CHEN.mobile));
    await page.getByRole('button', { name: '重置密码' }).click();
    await page.waitForURL(/\/login$/);
    await page.getByText('密码已重置，请使用新密码登录').waitFor();
    await logIn(CHEN.idNumber, RESET_PASSWORD);
  });
});

describe('applying: the confirmation step, 到期提醒, documents and the quota', { timeout: BROWSER_STEP_MS }, () => {
  const applications: Request[] = [];
  const linkRequests: string[] = [];

  beforeAll(() => {
    browser.context.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (request.method() === 'POST' && path === `/v1/certificates/${chenCert.certId}/annotations`) applications.push(request);
      if (path.endsWith('/download') && new URL(request.url()).searchParams.get('disposition') === 'inline') linkRequests.push(request.url());
    });
  });

  it('shows the particulars, scenario, validity and 到期提醒 before anything is spent; 返回修改 spends nothing', async () => {
    await page.goto(url(`/certificates/${chenCert.certId}`));
    await expect.poll(() => page.locator('#quota-left').textContent()).toBe('3');
    await page.getByLabel('加注有效期（天）').fill('30');
    await page.getByRole('button', { name: '申请加注' }).click();
    const review = page.locator('#apply-review');
    await review.getByRole('heading', { name: '请确认加注信息' }).waitFor();
    const text = (await review.textContent()) ?? '';
    for (const part of [CHEN.name, chenCert.certId, '统计专业技术资格（中级）', '本人调用', '30天', '北京时间', chenCert.issuer]) expect(text).toContain(part);
    expect(await page.getByLabel(/到期提醒/).isEnabled()).toBe(true);
    expect(await page.locator('#apply-remind-hint').textContent()).toContain(CHEN.mobile.slice(-4));
    await screenshot(page, 'accounts-apply-confirm');
    await expectAccessible('confirmation step');

    await page.getByRole('button', { name: '返回修改' }).click();
    await page.getByRole('button', { name: '申请加注' }).waitFor();
    expect(await page.getByLabel('加注有效期（天）').inputValue()).toBe('30');
    expect(applications).toHaveLength(0);
    const list = (await (await asHolder(`/v1/certificates/${chenCert.certId}/annotations`)).json()) as { items: unknown[]; quota: { remaining: number } };
    expect(list).toMatchObject({ items: [], quota: { remaining: 3 } });
  });

  it('提交加注申请 applies with the reminder asked for; the annotation becomes ready without a reload', async () => {
    await page.getByRole('button', { name: '申请加注' }).click();
    await page.getByLabel(/到期提醒/).check();
    await page.getByRole('button', { name: '提交加注申请' }).click();
    await page.getByText('已开启到期提醒').waitFor();
    await page.locator('li[data-status="READY"]').waitFor({ timeout: 20_000 });
    // The annotation itself says the reminder is on, after a reload too (the API's `remind`).
    expect(await page.locator('li[data-status="READY"]').textContent()).toContain('到期提醒已开启');
    await page.reload();
    await page.locator('li[data-status="READY"]').waitFor();
    expect(await page.locator('li[data-status="READY"]').textContent()).toContain('到期提醒已开启');
    expect(applications).toHaveLength(1);
    expect(applications[0]!.postDataJSON()).toEqual({ scenario: 'SELF_USE', validDays: 30, remind: true });
  });

  it('在线查看 goes through the portal route, which asks for a fresh link on every visit', async () => {
    const view = page.locator('li[data-status="READY"]').getByRole('link', { name: '在线查看' });
    const href = await view.getAttribute('href');
    expect(href).toMatch(new RegExp(`^/documents/${chenCert.certId}/annotations/[0-9A-Z]{26}$`));
    for (let visit = 1; visit <= 2; visit++) {
      const [tab] = await Promise.all([page.waitForEvent('popup'), view.click()]);
      await tab.waitForURL(/X-Amz-Signature=/);
      expect(new URL(tab.url()).searchParams.get('response-content-disposition')).toMatch(/^inline;/);
      await tab.close();
      expect(linkRequests).toHaveLength(visit);
    }
  });

  it('the same route, once the annotation has expired, says so in Chinese instead of showing S3’s error', async () => {
    const list = (await (await asHolder(`/v1/certificates/${chenCert.certId}/annotations`)).json()) as { items: { annotationId: string }[] };
    const annotationId = list.items[0]!.annotationId;
    const until = new Date(Date.now() - 60_000);
    await ddb().send(
      new UpdateCommand({
        TableName: stack.target.tableName,
        Key: keys.annotation(chenCert.certId, annotationId),
        UpdateExpression: 'SET validUntilIso = :until, validUntil = :epoch, validFrom = :from, appliedAt = :from',
        ExpressionAttributeValues: {
          ':until': until.toISOString(),
          // Expired but not yet removed: TTL deletion lags (up to 48 h), and the local runtime's sweeper deletes
          // whatever is past its TTL epoch — this test's annotation would vanish instead of showing as expired.
          ':epoch': Math.ceil((Date.now() + DAY) / 1000),
          ':from': new Date(until.getTime() - 30 * DAY).toISOString(),
        },
      }),
    );
    await page.goto(url(`/documents/${chenCert.certId}/annotations/${annotationId}`));
    await page.getByText('该加注件已过期，不能再查看或下载').waitFor();
    expect(new URL(page.url()).origin).toBe(stack.apiUrl);
    await page.getByRole('link', { name: '返回证书页面' }).click();
    await page.locator('li[data-status="EXPIRED"]').waitFor();
  });

  it('with the quota spent, the warning stays beside 加注件已生成 and the disabled button stays readable under the pointer', async () => {
    // The expired annotation still counts (R4): two more fill the quota.
    for (let i = 0; i < 2; i++) {
      await page.getByRole('button', { name: '申请加注' }).click();
      await page.getByRole('button', { name: '提交加注申请' }).click();
      await expect.poll(() => page.locator('li[data-status="READY"]').count(), { timeout: 20_000 }).toBe(i + 1);
    }
    await page.getByText('加注件已生成，可以在线查看或下载。').first().waitFor();
    await page.locator('#quota-exhausted').waitFor();
    expect(await page.locator('#quota-left').textContent()).toBe('0');
    const apply = page.getByRole('button', { name: '申请加注' });
    expect(await apply.isDisabled()).toBe(true);
    const look = () =>
      apply.evaluate((button) => {
        const style = getComputedStyle(button);
        return { backgroundColor: style.backgroundColor, color: style.color, cursor: style.cursor };
      });
    const idle = await look();
    await apply.hover({ force: true });
    const hovered = await look();
    expect(hovered.backgroundColor).toBe(idle.backgroundColor);
    expect(hovered.color).toBe(idle.color);
    expect(hovered.color).toBe('rgb(55, 65, 81)');
    expect(hovered.cursor).toBe('not-allowed');
    await screenshot(page, 'accounts-quota-exhausted');
  });

  it('a legacy certificate shows no electronic seal and opens its file through the portal route', async () => {
    await page.goto(url(`/certificates/${chenLegacy.certId}`));
    await page.getByRole('heading', { name: '证书电子文件' }).waitFor();
    expect(await page.locator('#cert-info').locator('xpath=..').textContent()).not.toContain('电子印章');
    expect(await page.getByRole('link', { name: '在线查看' }).getAttribute('href')).toBe(`/documents/${chenLegacy.certId}/file`);
  });
});

describe('proof of work when the identity is under attack', { timeout: BROWSER_STEP_MS }, () => {
  const targetCert = certificateRecord({ holderName: '赵敏', idNumber: residentId('19930909') });

  it('a source that failed solves the challenge in the browser and the correct password logs in', async () => {
    const target = { name: targetCert.holderName, idNumber: targetCert.idNumber, mobile: testMobile() };
    await upsertCertificate(targetCert, await getSecret('idHashKey'));
    await register(target, target.name);
    // Nine failures from three other sources (three each: below their own delays) …
    for (const source of ['127.0.77.1', '127.0.77.2', '127.0.77.3']) {
      for (let i = 0; i < 3; i++) {
        const response = await fetchFrom(source, url('/v1/sessions'), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ idType: 'RESIDENT_ID', idNumber: target.idNumber, password: 'Wrong-Pass-999' }),
        });
        expect(response.status).toBe(401);
      }
    }
    // … and one from the browser: the identity is under attack and this source has failed.
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.waitForURL(/\/login$/);
    await page.getByLabel('证件号码').fill(target.idNumber);
    await page.getByLabel('密码', { exact: true }).fill('Wrong-Pass-999');
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByText('证件号码或密码不正确').waitFor();

    const logins: Request[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/v1/sessions') logins.push(request);
    });
    const challenged = page.waitForResponse((response) => new URL(response.url()).pathname === '/v1/sessions' && response.status() === 429);
    await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    expect(((await (await challenged).json()) as { challengeRequired?: boolean }).challengeRequired).toBe(true);
    await page.getByText('需要人机验证').waitFor();
    await screenshot(page, 'accounts-challenge');
    await page.waitForURL(/\/certificates$/, { timeout: 60_000 });
    expect(logins).toHaveLength(2);
    const retried = logins[1]!.postDataJSON() as { altcha?: string };
    expect(JSON.parse(Buffer.from(retried.altcha ?? '', 'base64').toString('utf8'))).toMatchObject({
      challenge: { parameters: { algorithm: 'PBKDF2/SHA-256' } },
      solution: { counter: expect.any(Number) },
    });
    // Registration and eleven password checks at scrypt N = 2^17 on two shared cores, then the proof of work.
  }, 2 * BROWSER_STEP_MS);

  it('the new pages fit a 375×667 phone screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 667 });
    const fits = () => page.evaluate(() => window.document.documentElement.scrollWidth <= window.innerWidth);
    await page.goto(url('/account'));
    await page.getByRole('heading', { name: '修改密码' }).waitFor();
    expect(await fits()).toBe(true);
    await page.goto(url(`/certificates/${targetCert.certId}`));
    await page.getByRole('button', { name: '申请加注' }).click();
    await page.getByRole('button', { name: '提交加注申请' }).waitFor();
    expect(await fits()).toBe(true);
    await screenshot(page, 'accounts-phone-confirm');
    await page.getByRole('button', { name: '返回修改' }).click();
    await page.goto(url('/forgot-password'));
    await page.getByRole('button', { name: '重置密码' }).waitFor();
    expect(await fits()).toBe(true);
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});
