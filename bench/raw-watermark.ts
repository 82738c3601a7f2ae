// The raw pdf-lib watermark loop that the worker bench compares against. A module of its own so
// the bench can run it in a child process, measured by that process's own CPU like the worker,
// under Node's defaults and under the worker's V8 flags.
//   forked with IPC: `raw-watermark.ts serve <untimed jobs first>` warms up, sends {ready: true},
//   then answers each {jobs, verify} message with a RawRate
import { pathToFileURL } from 'node:url';
import { degrees, PDFDocument, rgb, StandardFonts } from 'pdf-lib';

export interface RawRate {
  wall: number;
  perCpu: number;
}

/**
 * Load, page.drawText on every page, save — the watermark as pdf-lib's own API draws it. With
 * `verify`, each output is also loaded again, as the worker checks every output. Jobs per second
 * of wall time and per CPU-second of this process.
 */
export async function rawWatermarkRate(pdf: Uint8Array, n: number, verify = false): Promise<RawRate> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    const font = await doc.embedFont(StandardFonts.HelveticaBold);
    const w = font.widthOfTextAtSize('CONFIDENTIAL', 48);
    for (const page of doc.getPages()) {
      const { width, height } = page.getSize();
      page.drawText('CONFIDENTIAL', { x: width / 2 - w / 2, y: height / 2, size: 48, font, color: rgb(0.6, 0.6, 0.6), opacity: 0.3, rotate: degrees(45) });
    }
    const out = await doc.save();
    if (verify) await PDFDocument.load(out, { updateMetadata: false });
  }
  const c = process.cpuUsage(c0);
  return { wall: n / ((performance.now() - t0) / 1000), perCpu: n / ((c.user + c.system) / 1e6) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { makePdf } = await import('../test/fixtures/runtime/make-fixtures.js');
  const pdf = await makePdf(10);
  if (process.argv[2] !== 'serve' || !process.send) throw new Error('usage: fork raw-watermark.ts serve <untimed jobs first> with an IPC channel');
  await rawWatermarkRate(pdf, Number(process.argv[3]));
  process.on('message', (m: { jobs: number; verify?: boolean }) => {
    void rawWatermarkRate(pdf, m.jobs, m.verify === true).then((r) => process.send!(r));
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true });
}
