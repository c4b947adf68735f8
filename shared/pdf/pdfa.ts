import { PDFHexString, PDFName, PDFRawStream, PDFString, type PDFDocument, type PDFRef } from '@cantoo/pdf-lib';
import { SRGB_PROFILE_DEFLATED_BASE64, SRGB_PROFILE_NAME } from './srgb-profile';

/**
 * What makes the annotated certificate PDF/A-3b (ISO 19005-3): XMP metadata that repeats the document information
 * (with pdfaid part 3, conformance B), an sRGB output intent, a trailer /ID, /Lang, and /DisplayDocTitle. Fonts are
 * embedded subsets with tags (text.ts), annotations print and have appearances (signature-field.ts), and the
 * embedded credential is an associated file (credential-file.ts).
 */
export interface DocumentFacts {
  title: string;
  author: string;
  subject: string;
  keywords: string[];
  lang: string;
  created: Date;
  /** 16 bytes that identify this document (trailer /ID, both halves: it is not updated in place). */
  id: Buffer;
}

const PRODUCER = 'ecert';
const profileBytes = Buffer.from(SRGB_PROFILE_DEFLATED_BASE64, 'base64');

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const xmpDate = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function xmpPacket(facts: DocumentFacts): string {
  return `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<pdfaid:part>3</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">${xml(facts.title)}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>${xml(facts.author)}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${xml(facts.subject)}</rdf:li></rdf:Alt></dc:description>
<dc:language><rdf:Bag><rdf:li>${xml(facts.lang)}</rdf:li></rdf:Bag></dc:language>
<pdf:Producer>${PRODUCER}</pdf:Producer>
<pdf:Keywords>${xml(facts.keywords.join(', '))}</pdf:Keywords>
<xmp:CreatorTool>${PRODUCER}</xmp:CreatorTool>
<xmp:CreateDate>${xmpDate(facts.created)}</xmp:CreateDate>
<xmp:ModifyDate>${xmpDate(facts.created)}</xmp:ModifyDate>
<xmp:MetadataDate>${xmpDate(facts.created)}</xmp:MetadataDate>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;
}

/** Document information, XMP, output intent, /ID, language: the document-level half of PDF/A-3b. */
export function applyPdfA(pdf: PDFDocument, facts: DocumentFacts): void {
  const { context, catalog } = pdf;
  // The Info dictionary and the XMP must say the same (ISO 19005-3 §6.6.2.3): both are written from `facts`.
  pdf.setTitle(facts.title, { showInWindowTitleBar: true });
  pdf.setAuthor(facts.author);
  pdf.setSubject(facts.subject);
  pdf.setKeywords(facts.keywords);
  pdf.setCreator(PRODUCER);
  pdf.setProducer(PRODUCER);
  pdf.setCreationDate(facts.created);
  pdf.setModificationDate(facts.created);
  pdf.setLanguage(facts.lang);

  // Uncompressed, so a reader that does not decode streams still finds pdfaid.
  const metadata = context.stream(Buffer.from(xmpPacket(facts), 'utf8'), { Type: 'Metadata', Subtype: 'XML' });
  catalog.set(PDFName.of('Metadata'), context.register(metadata));

  const profile = PDFRawStream.of(context.obj({ N: 3, Filter: 'FlateDecode' }), profileBytes);
  const profileRef: PDFRef = context.register(profile);
  const intent = context.obj({
    Type: 'OutputIntent',
    S: 'GTS_PDFA1',
    OutputConditionIdentifier: PDFString.of(SRGB_PROFILE_NAME),
    Info: PDFString.of(SRGB_PROFILE_NAME),
    DestOutputProfile: profileRef,
  });
  catalog.set(PDFName.of('OutputIntents'), context.obj([intent]));
  catalog.set(PDFName.of('ViewerPreferences'), context.obj({ DisplayDocTitle: true }));
  const id = PDFHexString.of(facts.id.toString('hex'));
  context.trailerInfo.ID = context.obj([id, id]);
}
