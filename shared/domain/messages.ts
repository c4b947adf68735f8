import type { CodePurpose } from './one-time-code';
import { CODE_TTL_SECONDS } from './one-time-code';
import { shanghaiDateTime } from './annotation';

/**
 * The texts the service sends (SMS and e-mail alike). Short enough for one or two SMS segments; no ID number, no name
 * beyond what a holder needs to recognise the message, and a warning never to pass a code on.
 */
export const SENDER_SIGNATURE = '【电子证书】';

const PURPOSE_TEXT: Record<CodePurpose, string> = {
  REGISTER: '注册或重新注册账号',
  RESET_PASSWORD: '重置密码',
  CHANGE_CONTACT: '更换联系方式',
};

export interface OutgoingText {
  subject: string;
  text: string;
}

export function codeMessage(purpose: CodePurpose, code: string): OutgoingText {
  const minutes = Math.round(CODE_TTL_SECONDS / 60);
  return {
    subject: `电子证书验证码：${PURPOSE_TEXT[purpose]}`,
    text: `${SENDER_SIGNATURE}您正在${PURPOSE_TEXT[purpose]}，验证码 ${code}，${minutes}分钟内有效，仅可使用一次。工作人员不会向您索要验证码，请勿告知他人。如非本人操作，请忽略本消息。`,
  };
}

export function reminderMessage(input: { certId: string; qualificationName: string; validUntil: Date; daysBefore: number }): OutgoingText {
  return {
    subject: `加注件将于${input.daysBefore}天后到期`,
    text: `${SENDER_SIGNATURE}您的${input.qualificationName}证书（管理号 ${input.certId}）加注件将于 ${shanghaiDateTime(input.validUntil.toISOString())}（北京时间）到期，到期后不能再查看或下载。如仍需使用，请登录后重新申请加注。`,
  };
}
