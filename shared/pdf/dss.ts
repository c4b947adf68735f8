import { PDFName, PDFRawStream, type PDFDocument } from '@cantoo/pdf-lib';
import type { ValidationData } from '../signing/pades';

/**
 * The Document Security Store (ISO 32000-2 §12.8.4.3, ETSI EN 319 142-1 §5.4.2): one stream per certificate and CRL
 * a validator needs, referenced from the catalog's /DSS. No VRI: PAdES no longer needs it (pyHanko calls it a relic).
 */
export function addDss(pdf: PDFDocument, data: ValidationData): void {
  const { context, catalog } = pdf;
  const streams = (items: readonly Buffer[]) => items.map((der) => context.register(PDFRawStream.of(context.obj({}), der)));
  const dss = context.obj({ Type: 'DSS', Certs: streams(data.certificates), CRLs: streams(data.crls) });
  catalog.set(PDFName.of('DSS'), context.register(dss));
}
