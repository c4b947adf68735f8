import { PDFHexString, PDFName, PDFString, type PDFDocument } from '@cantoo/pdf-lib';
import { CREDENTIAL_FILENAME, CREDENTIAL_MEDIA_TYPE } from '../credentials/credential';

/**
 * The machine-readable credential inside the PDF: a PDF/A-3 associated file (ISO 19005-3 §6.8) — an embedded file
 * stream with its MIME type and modification date, a file specification with /F, /UF, /Desc and /AFRelationship,
 * listed in the catalog's /AF and in the EmbeddedFiles name tree (so readers show it as an attachment).
 */

export function attachCredential(pdf: PDFDocument, jwt: string, modified: Date): void {
  const { context, catalog } = pdf;
  const bytes = Buffer.from(jwt, 'utf8');
  const file = context.flateStream(bytes, {
    Type: 'EmbeddedFile',
    Subtype: CREDENTIAL_MEDIA_TYPE,
    Params: { Size: bytes.length, ModDate: PDFString.fromDate(modified) },
  });
  const fileRef = context.register(file);
  const spec = context.register(
    context.obj({
      Type: 'Filespec',
      F: PDFString.of(CREDENTIAL_FILENAME),
      UF: PDFHexString.fromText(CREDENTIAL_FILENAME),
      Desc: PDFHexString.fromText('W3C Verifiable Credential 2.0 (VC-JOSE, application/vc+jwt) of this annotated certificate'),
      // The same facts as the page, in another form.
      AFRelationship: PDFName.of('Alternative'),
      EF: { F: fileRef, UF: fileRef },
    }),
  );
  catalog.set(PDFName.of('AF'), context.obj([spec]));
  catalog.set(PDFName.of('Names'), context.obj({ EmbeddedFiles: { Names: [PDFString.of(CREDENTIAL_FILENAME), spec] } }));
}
