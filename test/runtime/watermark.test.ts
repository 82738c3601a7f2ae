// The watermark op draws one shared, uncompressed stream per page size instead of pdf-lib's
// per-page deflated streams. It must look exactly like pdf-lib's own page.drawText, stay valid for
// qpdf, and never clobber a resource name the input already uses.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { degrees, PDFDocument, PDFName, rgb, StandardFonts, type PDFDict } from 'pdf-lib';
import { drawWatermark, runOp } from '../../runtime/core/pdf/ops.js';
import { makePdf } from '../fixtures/runtime/make-fixtures.js';
import { makeTempDir } from '../support/services.js';

const tmp = { dir: makeTempDir('prodctl-watermark-') };
afterAll(() => rmSync(tmp.dir, { recursive: true, force: true }));

async function drawnByPdfLib(input: Uint8Array, text: string): Promise<Uint8Array> {
  const doc = await PDFDocument.load(input, { updateMetadata: false });
  const font = await doc.embedFont(StandardFonts.HelveticaBold);
  const w = font.widthOfTextAtSize(text, 48);
  for (const page of doc.getPages()) {
    const { width, height } = page.getSize();
    page.drawText(text, { x: width / 2 - w / 2, y: height / 2, size: 48, font, color: rgb(0.6, 0.6, 0.6), opacity: 0.3, rotate: degrees(45) });
  }
  return doc.save();
}

function renderPage(bytes: Uint8Array, name: string, page: number): Buffer {
  const file = path.join(tmp.dir, `${name}.pdf`);
  writeFileSync(file, bytes);
  execFileSync('pdftoppm', ['-r', '50', '-f', String(page), '-l', String(page), '-png', '-singlefile', file, path.join(tmp.dir, name)]);
  return readFileSync(path.join(tmp.dir, `${name}.png`));
}

describe('watermark op', () => {
  it('renders pixel-identical to pdf-lib page.drawText, smaller, and passes qpdf --check', async () => {
    const input = await makePdf(10);
    const ours = (await runOp('watermark', [input], { text: 'CONFIDENTIAL' }, 100)).outputs[0];
    const theirs = await drawnByPdfLib(input, 'CONFIDENTIAL');
    for (const page of [1, 10]) expect(renderPage(ours, `ours-${page}`, page).equals(renderPage(theirs, `theirs-${page}`, page))).toBe(true);
    expect(ours.length).toBeLessThan(theirs.length);
    writeFileSync(path.join(tmp.dir, 'check.pdf'), ours);
    execFileSync('qpdf', ['--check', path.join(tmp.dir, 'check.pdf')]);
    expect(execFileSync('pdfinfo', [path.join(tmp.dir, 'check.pdf')]).toString()).toMatch(/Pages:\s+10\n/);
  });

  it('shares one content stream across pages of the same size, one more per other size', async () => {
    const doc = await PDFDocument.load(await makePdf(4), { updateMetadata: false });
    doc.getPage(3).setSize(300, 300);
    await drawWatermark(doc, { text: 'DRAFT' });
    const last = (i: number) => {
      const contents = doc.getPage(i).node.Contents()!;
      return contents.get(contents.size() - 1).toString();
    };
    expect(new Set([last(0), last(1), last(2)]).size).toBe(1);
    expect(last(3)).not.toBe(last(0));
  });

  it('picks another resource name when the page already uses the watermark name', async () => {
    const doc = await PDFDocument.load(await makePdf(1), { updateMetadata: false });
    const page = doc.getPage(0);
    const other = doc.context.register(doc.context.obj({ Type: 'ExtGState', ca: 1 }));
    page.node.setExtGState(PDFName.of('PdWmGS'), other);
    await drawWatermark(doc, { text: 'DRAFT', opacity: 0.5 });
    const gs = page.node.Resources()!.lookup(PDFName.of('ExtGState')) as PDFDict;
    expect(gs.get(PDFName.of('PdWmGS'))).toBe(other);
    expect(gs.has(PDFName.of('PdWmGS1'))).toBe(true);
  });
});
