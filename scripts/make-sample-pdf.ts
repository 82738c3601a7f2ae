// Writes examples/sample.pdf: a small multi-page PDF for the quick start and smoke tests.
// Run: npx tsx scripts/make-sample-pdf.ts
import { writeFileSync } from 'node:fs';
import { PDFDocument, rgb, StandardFonts } from 'pdf-lib';

const PAGES = 5;
const doc = await PDFDocument.create();
const font = await doc.embedFont(StandardFonts.Helvetica);
const bold = await doc.embedFont(StandardFonts.HelveticaBold);
doc.setTitle('prodctl sample');
doc.setAuthor('prodctl');
// Fixed dates keep the output byte-for-byte reproducible.
doc.setCreationDate(new Date('2026-01-01T00:00:00Z'));
doc.setModificationDate(new Date('2026-01-01T00:00:00Z'));
for (let i = 1; i <= PAGES; i++) {
  const page = doc.addPage([595, 842]); // A4 portrait
  page.drawText('prodctl sample document', { x: 60, y: 760, size: 24, font: bold, color: rgb(0.1, 0.2, 0.5) });
  page.drawText(`Page ${i} of ${PAGES}`, { x: 60, y: 720, size: 14, font });
  page.drawText('Upload it:  curl -H "Authorization: Bearer $KEY" -H "Content-Type: application/pdf" \\', { x: 60, y: 680, size: 9, font });
  page.drawText('             --data-binary @examples/sample.pdf http://127.0.0.1:8080/v1/files', { x: 60, y: 668, size: 9, font });
}
const out = new URL('../examples/sample.pdf', import.meta.url);
writeFileSync(out, await doc.save({ useObjectStreams: false }));
process.stdout.write(`wrote ${out.pathname} (${PAGES} pages)\n`);
