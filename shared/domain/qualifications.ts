/**
 * The qualification catalogue (R9). It is data: the 24 types sealed with the MOHRSS professional-qualification seal
 * and the 7 sealed by an industry body. Codes are ours and stable; names are what the certificate prints.
 */
export type SealAuthority = 'MOHRSS' | 'INDUSTRY';

export interface Qualification {
  code: string;
  name: string;
  sealAuthority: SealAuthority;
  /** Whose electronic seal the certificate carries. */
  sealName: string;
}

export const MOHRSS_SEAL_NAME = '中华人民共和国人力资源和社会保障部专业技术人员职业资格证书专用章';

const mohrss = (code: string, name: string): Qualification => ({
  code,
  name,
  sealAuthority: 'MOHRSS',
  sealName: MOHRSS_SEAL_NAME,
});
const industry = (code: string, name: string, sealName: string): Qualification => ({
  code,
  name,
  sealAuthority: 'INDUSTRY',
  sealName,
});

export const QUALIFICATIONS: readonly Qualification[] = [
  mohrss('ECONOMICS', '经济专业技术资格'),
  mohrss('ACCOUNTING', '会计专业技术资格'),
  mohrss('AUDIT', '审计专业技术资格'),
  mohrss('STATISTICS', '统计专业技术资格'),
  mohrss('TRANSLATION', '翻译专业资格'),
  mohrss('COMPUTER', '计算机技术与软件专业技术资格'),
  mohrss('PUBLISHING', '出版专业技术人员职业资格'),
  mohrss('SOCIAL_WORK', '社会工作者职业资格'),
  mohrss('SURVEYING', '注册测绘师'),
  mohrss('SAFETY', '注册安全工程师'),
  mohrss('PHARMACIST', '执业药师'),
  mohrss('CONSTRUCTOR', '一级建造师'),
  mohrss('COST_ENGINEER', '一级造价工程师'),
  mohrss('SUPERVISION_ENGINEER', '监理工程师'),
  mohrss('EIA_ENGINEER', '环境影响评价工程师'),
  mohrss('URBAN_PLANNER', '注册城乡规划师'),
  mohrss('CONSULTING_ENGINEER', '咨询工程师（投资）'),
  mohrss('NUCLEAR_SAFETY', '注册核安全工程师'),
  mohrss('EQUIPMENT_SUPERVISOR', '注册设备监理师'),
  mohrss('REAL_ESTATE_APPRAISER', '房地产估价师'),
  mohrss('FIRE_ENGINEER', '一级注册消防工程师'),
  mohrss('AUCTIONEER', '拍卖师'),
  mohrss('HEALTH', '卫生专业技术资格'),
  mohrss('PATENT_AGENT', '专利代理师'),
  industry('BANKING', '银行业专业人员职业资格', '中国银行业协会'),
  industry('ASSET_APPRAISER', '资产评估师', '中国资产评估协会'),
  industry('TAX_ADVISER', '税务师', '中国注册税务师协会'),
  industry('REAL_ESTATE_BROKER', '房地产经纪专业人员职业资格', '中国房地产估价师与房地产经纪人学会'),
  industry('CULTURAL_RELICS', '文物保护工程从业资格', '中国文物保护技术协会'),
  industry('SECURITIES', '证券期货业从业人员职业资格', '中国证券业协会'),
  industry('PRINTING', '印刷业专业技术人员职业资格', '中国印刷技术协会'),
];

const byCode = new Map(QUALIFICATIONS.map((q) => [q.code, q]));

export const findQualification = (code: string): Qualification | undefined => byCode.get(code);
