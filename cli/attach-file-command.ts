import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { E_CERTIFICATE_START_DATE } from '../shared/domain/certificate';
import { attachElectronicFile } from '../shared/repository/certificates';
import { MAX_ELECTRONIC_FILE_BYTES } from '../shared/repository/documents';
import { certIdArgument, EXIT, TARGET_HELP, TARGET_OPTIONS, targetOf, UsageError, type Io } from './common';
import { useTarget } from '../shared/target/resolve';
import { AUDIT_ACTIONS } from '../shared/domain/audit';
import { operatorStamp } from '../shared/services/operator-audit';

export const ATTACH_FILE_HELP = `Usage: npm run ecert -- attach-file <certId> <pdf> [options]

Attaches a certificate electronic file (证书电子文件, R1) to a certificate issued before ${E_CERTIFICATE_START_DATE}; holders
then view or download it without an annotation. Later certificates are e-certificates and take no file. The PDF is
stored encrypted in the document bucket under its SHA-256; attaching another file replaces the reference. Recorded
in the audit trail.

${TARGET_HELP}

Exit codes: 0 attached; 1 refused (no such certificate, not a PDF, an e-certificate); 2 usage error or unreachable target.`;

export async function attachFileCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...TARGET_OPTIONS } });
  if (values.help) {
    io.out(ATTACH_FILE_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 2) throw new UsageError('attach-file takes a certificate id and a PDF file', 'attach-file');
  const certId = certIdArgument(positionals[0], 'attach-file');
  const path = positionals[1]!;
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new UsageError(`${path} is not a readable file`, 'attach-file');
  if (info.size > MAX_ELECTRONIC_FILE_BYTES) {
    throw new UsageError(`${path} is larger than ${MAX_ELECTRONIC_FILE_BYTES / 1024 / 1024} MiB`, 'attach-file');
  }
  const bytes = await readFile(path);

  await useTarget(targetOf(values));
  const stamp = await operatorStamp(AUDIT_ACTIONS.certificateAttachFile);
  const attached = await attachElectronicFile(certId, bytes, new Date(), stamp);
  io.out(`attached ${attached.key} (${attached.size} bytes, sha256 ${attached.sha256}) to ${certId}`);
  if (attached.replaced) io.out(`it replaces ${attached.replaced.key}, which stays in the bucket`);
  return EXIT.ok;
}
