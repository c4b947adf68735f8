import QRCode from 'qrcode';
import {
  fill,
  popGraphicsState,
  pushGraphicsState,
  rectangle,
  rgb,
  setFillingGrayscaleColor,
  type PDFOperator,
  type PDFPage,
} from '@cantoo/pdf-lib';

/**
 * A QR code drawn as vector rectangles (one per horizontal run of dark modules): sharp at any zoom, a few hundred
 * bytes, and no image codec in the renderer. The white square includes the 4-module quiet zone. Level M survives a crease or a stamp across a corner. The runs go into
 * the content stream as one path filled once — drawRectangle per run would cost a graphics-state round trip each.
 */
export function drawQrCode(page: PDFPage, text: string, options: { x: number; y: number; size: number }): void {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const count = modules.size;
  // ISO/IEC 18004 §6.3.8: a quiet zone of 4 modules on every side.
  const quiet = 4;
  const cell = options.size / (count + 2 * quiet);
  page.drawRectangle({ x: options.x, y: options.y, width: options.size, height: options.size, color: rgb(1, 1, 1) });
  const ops: PDFOperator[] = [pushGraphicsState(), setFillingGrayscaleColor(0)];
  const round = (n: number) => Math.round(n * 1000) / 1000;
  for (let row = 0; row < count; row++) {
    let col = 0;
    while (col < count) {
      if (!modules.get(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < count && modules.get(row, col)) col++;
      ops.push(
        rectangle(
          round(options.x + (quiet + start) * cell),
          // PDF y grows upwards; QR rows go down from the top.
          round(options.y + options.size - (quiet + row + 1) * cell),
          round((col - start) * cell),
          round(cell),
        ),
      );
    }
  }
  ops.push(fill(), popGraphicsState());
  page.pushOperators(...ops);
}
