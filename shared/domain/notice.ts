/**
 * The service notice (服务须知, R8). Versioned: publishing a new text means a new version, and every holder must accept
 * it again before certificate routes answer.
 */
export interface Notice {
  version: string;
  text: string;
}

export const CURRENT_NOTICE: Notice = {
  version: '2026-11-01',
  text: [
    '服务须知',
    '一、本系统提供专业技术人员职业资格电子证书的查看、加注、下载和查验服务。请使用取得证书时所用的姓名和证件号码注册。',
    '二、2021年12月17日及以后制发的电子证书，须经加注并在加注设定的有效期内下载和使用；超过有效期限的，须重新申请加注。2021年12月17日以前取得的证书，可查看和下载证书电子文件。',
    '三、每次申请加注的有效期最长为90天，如无特别需要，建议按上限申请；目前支持的使用场景为“本人调用”。同一证书自申请之日起向前计算90天内，最多可申请3次加注。',
    '四、加注后的电子证书含电子印章和查验码，任何单位和个人可通过查验码或查验页面核验其真实性和有效性。对电子证书的任何修改都会使电子印章失效。',
    '五、请妥善保管账号和密码，不要将下载链接或电子证书转交他人用于本人以外的用途。连续5次密码错误，账号将被锁定15分钟。',
    '六、证书状态为“已撤销”的，说明证书已被收回和注销，不能加注、查看或下载。如对证书信息有疑问，请联系证书发放机构。',
  ].join('\n'),
};

/** R10: an empty certificate list is not an error; these are the reasons the public system gives. */
export const EMPTY_CERTIFICATE_LIST_HINT = {
  message: '未查询到您名下的证书信息，可能的原因如下：',
  reasons: [
    '未取得证书。',
    '已取得证书，但证书信息暂未上线；或取得的证书不属于人力资源和社会保障部统一印制和制作的专业技术人员职业资格证书。',
    '注册后通过人事考试机构更正过姓名或证件号码，须使用更正后正确的姓名和证件号码重新注册。',
  ],
  contact: '如有疑问，请联系证书发放机构。',
} as const;
