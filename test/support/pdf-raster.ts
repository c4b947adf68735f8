import * as mupdf from 'mupdf';

/**
 * PDF pages as a person sees them, drawn by MuPDF (the `mupdf` npm package: its WebAssembly build, so no OS package is
 * needed) — an engine independent of pdf-lib and fontkit, which write the PDFs. Used to look at pages (PNG), to find
 * ink where text should be, and to read the QR code as a phone camera would.
 */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface PageRaster {
  width: number;
  height: number;
  /** One byte per pixel, row by row: 0 is black, 255 paper. */
  gray: Uint8ClampedArray;
  /** Where MuPDF finds each of the strings asked for (`find`), in this raster's pixels: one box per occurrence. */
  found: Map<string, Box[]>;
}

function withPage<T>(pdf: Uint8Array, pageIndex: number, use: (page: mupdf.Page) => T): T {
  const doc = mupdf.Document.openDocument(pdf, 'application/pdf');
  try {
    const page = doc.loadPage(pageIndex);
    try {
      return use(page);
    } finally {
      page.destroy();
    }
  } finally {
    doc.destroy();
  }
}

/**
 * The page in greyscale at `dpi`, and where the strings in `find` are on it. Found with MuPDF's own text search, which
 * matches whole code points: mupdf 1.28's structured-text walker truncates characters outside the BMP (𠮷 U+20BB7
 * comes back as U+0BB7), so it cannot be used to locate Extension B characters.
 */
export function rasterizePage(pdf: Uint8Array, options: { page?: number; dpi?: number; find?: readonly string[] } = {}): PageRaster {
  const scale = (options.dpi ?? 72) / 72;
  return withPage(pdf, options.page ?? 0, (page) => {
    const found = new Map<string, Box[]>();
    for (const needle of options.find ?? []) {
      found.set(
        needle,
        page.search(needle, "").map((quads) => {
          const xs = quads.flatMap((q) => [q[0], q[2], q[4], q[6]]).map((v) => v * scale);
          const ys = quads.flatMap((q) => [q[1], q[3], q[5], q[7]]).map((v) => v * scale);
          return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
        }),
      );
    }
    const pixmap = page.toPixmap(mupdf.Matrix.scale(scale, scale), mupdf.ColorSpace.DeviceGray, false, true);
    try {
      const width = pixmap.getWidth();
      const height = pixmap.getHeight();
      const stride = pixmap.getStride();
      const source = pixmap.getPixels();
      const gray = new Uint8ClampedArray(width * height);
      for (let y = 0; y < height; y++) gray.set(source.subarray(y * stride, y * stride + width), y * width);
      return { width, height, gray, found };
    } finally {
      pixmap.destroy();
    }
  });
}

/** The page in colour as a PNG, for a person to look at. */
export function pagePng(pdf: Uint8Array, options: { page?: number; dpi?: number } = {}): Uint8Array {
  const scale = (options.dpi ?? 110) / 72;
  return withPage(pdf, options.page ?? 0, (page) => {
    const pixmap = page.toPixmap(mupdf.Matrix.scale(scale, scale), mupdf.ColorSpace.DeviceRGB, false, true);
    try {
      return pixmap.asPNG();
    } finally {
      pixmap.destroy();
    }
  });
}

/** How many pixels inside the box (clipped to the page) are darker than `threshold` — ink, not paper. */
export function inkIn(raster: PageRaster, box: Box, threshold = 160): number {
  let count = 0;
  const [x0, y0] = [Math.max(0, Math.floor(box.x0)), Math.max(0, Math.floor(box.y0))];
  const [x1, y1] = [Math.min(raster.width, Math.ceil(box.x1)), Math.min(raster.height, Math.ceil(box.y1))];
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (raster.gray[y * raster.width + x]! < threshold) count++;
  return count;
}

/** The raster as RGBA, the layout jsQR and canvas-like consumers take. */
export function rgba(raster: PageRaster): Uint8ClampedArray {
  const out = new Uint8ClampedArray(raster.width * raster.height * 4);
  for (let i = 0; i < raster.gray.length; i++) {
    out[i * 4] = out[i * 4 + 1] = out[i * 4 + 2] = raster.gray[i]!;
    out[i * 4 + 3] = 255;
  }
  return out;
}
