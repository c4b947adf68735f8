import { PDFHexString, PDFName, PDFNumber, PDFString, type PDFDocument, type PDFPage } from '@cantoo/pdf-lib';
import { BYTE_RANGE_PLACEHOLDER } from '../signing/pades';
import type { Tagger } from './tags';

/**
 * The certification signature's PDF objects, written in the same revision as the page (so the signature covers the
 * whole first revision and nothing can precede it): the signature field and its widget over the visible seal, with an
 * appearance (PDF/A: every annotation has one), AcroForm with SigFlags 3, and the signature dictionary with DocMDP
 * P=1 (no changes allowed) referenced from the catalog's /Perms. /Contents and /ByteRange are placeholders that
 * shared/signing/pades.ts fills in after the file is written.
 */
export interface SignatureFieldOptions {
  /** [x1, y1, x2, y2] in points: the visible seal. */
  rect: [number, number, number, number];
  reason: string;
  /** Who signs, as the signer presents itself (the seal authority). */
  name: string;
  location: string;
  contactInfo: string;
  /** The claimed signing time (/M): the render time, not the annotation's application time. */
  signingTime: Date;
  /** Bytes reserved for the CMS signature. */
  contentsBytes: number;
  /** Alternate text of the widget for assistive technology. */
  alt: string;
  tagger: Tagger;
}

export function addSignatureField(pdf: PDFDocument, page: PDFPage, options: SignatureFieldOptions): void {
  const { context, catalog } = pdf;
  const [x1, y1, x2, y2] = options.rect;
  const signature = context.obj({
    Type: 'Sig',
    Filter: 'Adobe.PPKLite',
    SubFilter: 'ETSI.CAdES.detached',
    ByteRange: [...BYTE_RANGE_PLACEHOLDER],
    Contents: PDFHexString.of('0'.repeat(options.contentsBytes * 2)),
    M: PDFString.fromDate(options.signingTime),
    // Text strings as UTF-16BE with BOM, once (the earlier signer encoded them to UTF-8 a second time: mojibake).
    Reason: PDFHexString.fromText(options.reason),
    Name: PDFHexString.fromText(options.name),
    Location: PDFHexString.fromText(options.location),
    ContactInfo: PDFHexString.fromText(options.contactInfo),
    Reference: [
      { Type: 'SigRef', TransformMethod: 'DocMDP', TransformParams: { Type: 'TransformParams', P: 1, V: PDFName.of('1.2') } },
    ],
  });
  const signatureRef = context.register(signature);

  // An empty appearance: the seal itself is drawn on the page (as an artifact); the widget only makes it clickable.
  const appearance = context.register(
    context.stream(new Uint8Array(), { Type: 'XObject', Subtype: 'Form', BBox: [0, 0, x2 - x1, y2 - y1], Resources: {} }),
  );
  const widgetRef = context.nextRef();
  const widget = context.obj({
    Type: 'Annot',
    Subtype: 'Widget',
    FT: 'Sig',
    T: PDFString.of('ecert-seal'),
    TU: PDFHexString.fromText(options.alt),
    V: signatureRef,
    Rect: options.rect,
    // Print (4) and Locked (128): PDF/A wants the print flag; nothing may move or delete the seal's widget.
    F: 132,
    P: page.ref,
    AP: { N: appearance },
  });
  context.assign(widgetRef, widget);
  options.tagger.annotation(widgetRef, { alt: options.alt, setKey: (key) => widget.set(PDFName.of('StructParent'), PDFNumber.of(key)) });

  page.node.set(PDFName.of('Annots'), context.obj([widgetRef]));
  catalog.set(PDFName.of('AcroForm'), context.obj({ Fields: [widgetRef], SigFlags: 3 }));
  catalog.set(PDFName.of('Perms'), context.obj({ DocMDP: signatureRef }));
}
