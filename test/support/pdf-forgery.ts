/**
 * What a forger does to a signed PDF without breaking its signature: an incremental update that rewrites the page
 * object with one more content stream, painting a white box and another name over the holder's. Readers show the new
 * name; the signature still verifies over its revision; only the modification analysis can tell.
 */
export function paintOverName(pdf: Uint8Array, name = 'Someone Else'): Buffer {
  const bytes = Buffer.from(pdf);
  const text = bytes.toString('latin1');
  const startxref = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)![1]);
  const sizes = [...text.matchAll(/\/Size (\d+)/g)].map((m) => Number(m[1]));
  const size = Math.max(...sizes);
  const root = /\/Root (\d+) 0 R/.exec(text)![1];
  const page = /(\d+) 0 obj\s*<<((?:(?!endobj)[\s\S])*?\/Type \/Page\b(?!s)[\s\S]*?)>>\s*endobj/.exec(text)!;
  const [pageNumber, pageBody] = [page[1]!, page[2]!];
  const contents = /\/Contents (\d+ 0 R|\[[^\]]*\])/.exec(pageBody)![1]!;
  const existing = contents.startsWith('[') ? contents.slice(1, -1) : contents;
  const paint = `q 1 1 1 rg 220 600 180 22 re f Q BT /Helv 15 Tf 222 606 Td (${name}) Tj ET`;
  const newBody = pageBody
    .replace(/\/Contents (\d+ 0 R|\[[^\]]*\])/, `/Contents [${existing} ${size} 0 R]`)
    .replace(/\/Font\s*<</, '/Font << /Helv << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  const chunks: string[] = [];
  const offsets: Array<[number, number]> = [];
  let at = bytes.length + 1;
  const add = (number: number, body: string) => {
    offsets.push([number, at]);
    const chunk = `${number} 0 obj\n${body}\nendobj\n`;
    chunks.push(chunk);
    at += chunk.length;
  };
  add(size, `<< /Length ${paint.length} >>\nstream\n${paint}\nendstream`);
  add(Number(pageNumber), `<<${newBody}>>`);
  offsets.sort((a, b) => a[0] - b[0]);
  const xref = `xref\n${offsets.map(([n, o]) => `${n} 1\n${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  const trailer = `trailer\n<< /Size ${size + 1} /Root ${root} 0 R /Prev ${startxref} >>\nstartxref\n${at}\n%%EOF\n`;
  return Buffer.concat([bytes, Buffer.from(`\n${chunks.join('')}${xref}${trailer}`, 'latin1')]);
}
