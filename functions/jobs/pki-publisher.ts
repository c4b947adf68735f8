import { lambdaHandler, logger } from '../../shared/observability';
import { currentCrl, publishStatusLists } from '../../shared/signing/pki-publisher';
import { currentIssuingCa, currentSealKey, issuerName, publicBaseUrl } from '../../shared/signing/sealer';

export interface PkiPublisherSummary {
  crlBytes: number;
  statusListsSigned: number;
}

/**
 * Scheduled (shared/resources/functions.ts): keeps what verifiers fetch fresh — the issuing CA's CRL (re-signed when
 * it has less than 18 of its 24 hours left, or an operator revoked a container certificate) and the Bitstring Status
 * List credentials (re-signed when a revocation changed them, else daily). A render that finds the CRL missing signs
 * one itself, so the first documents of a deployment carry one too.
 */
export async function publish(): Promise<PkiPublisherSummary> {
  const ca = await currentIssuingCa();
  const crl = await currentCrl(ca);
  const key = await currentSealKey();
  const statusListsSigned = await publishStatusLists(key, publicBaseUrl(), issuerName(key));
  const summary = { crlBytes: crl.length, statusListsSigned };
  logger.info('pki published', { ...summary, ca: ca.fingerprint });
  return summary;
}

export const handler = lambdaHandler(publish);
