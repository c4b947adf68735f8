import jsQR from 'jsqr';
import { rasterizePage, rgba } from './pdf-raster';

/** Draws page 1 (MuPDF, greyscale) and decodes the first QR code on it, as a phone camera would. */
export function decodeQrOnFirstPage(pdf: Uint8Array, dpi = 150): string | undefined {
  const page = rasterizePage(pdf, { dpi });
  return jsQR(rgba(page), page.width, page.height)?.data;
}
