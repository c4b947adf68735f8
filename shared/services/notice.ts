import { AUDIT_ACTIONS, holderStamp } from '../domain/audit';
import { CURRENT_NOTICE } from '../domain/notice';
import { problem } from '../http/problem';
import { acceptNotice, type Holder } from '../repository/holders';

/** R8: only the current version can be accepted; an older text is refused with the current version's name. */
export async function acceptCurrentNotice(holder: Holder, version: string, source: { sourceIp: string; now: Date }): Promise<void> {
  if (version !== CURRENT_NOTICE.version) {
    throw problem('NOTICE_VERSION_OUTDATED', '服务须知已更新，请阅读最新版本后再同意', { currentVersion: CURRENT_NOTICE.version });
  }
  await acceptNotice(holder.holderId, version, source.now, holderStamp(AUDIT_ACTIONS.accountNoticeAccept, holder.holderId, source, { version }));
}
