import { CURRENT_NOTICE } from '../../shared/domain/notice';
import { authenticate } from '../../shared/http/auth';
import { httpHandler } from '../../shared/http/middleware';
import { problem } from '../../shared/http/problem';
import { parseJsonBody } from '../../shared/http/request';
import { noContent } from '../../shared/http/response';
import { NoticeAcceptanceBody } from '../../shared/resources/schemas';
import { acceptNotice } from '../../shared/repository/holders';

/** POST /v1/notice/acceptance — accepting an older text than the current one is refused (R8). */
export const handler = httpHandler(async (event) => {
  const holder = await authenticate(event);
  const { version } = parseJsonBody(event, NoticeAcceptanceBody);
  if (version !== CURRENT_NOTICE.version) {
    throw problem('NOTICE_VERSION_OUTDATED', '服务须知已更新，请阅读最新版本后再同意', { currentVersion: CURRENT_NOTICE.version });
  }
  await acceptNotice(holder.holderId, version, new Date());
  return noContent();
});
