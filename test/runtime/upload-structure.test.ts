// The structural check of uploads (runtime/core/pdf/structure.ts) on crafted inputs: PDFs as
// pdf-lib, qpdf and the load test write them (xref tables, xref streams, linearized, incremental
// updates) pass; a header alone, truncations, junk and broken pointers are refused with the reason.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderSamplePdf } from '../../loadtest/sample-pdf.js';
import { findPdfStructureProblem } from '../../runtime/core/pdf/structure.js';
import { makePdf } from '../fixtures/runtime/make-fixtures.js';
import { makeTempDir } from '../support/services.js';

const check = (b: Uint8Array) => findPdfStructureProblem(b.length, async (s, e) => b.subarray(s, e));
const dir = makeTempDir('prodctl-structure-');

async function pdfLib(pages: number, useObjectStreams: boolean): Promise<Uint8Array> {
  const doc = await PDFDocument.load(await makePdf(pages));
  return doc.save({ useObjectStreams });
}

function qpdf(input: Uint8Array, args: string[]): Uint8Array {
  const inFile = path.join(dir, `in-${args.join('')}.pdf`);
  const outFile = path.join(dir, `out-${args.join('')}.pdf`);
  writeFileSync(inFile, input);
  execFileSync('qpdf', [...args, inFile, outFile]);
  return readFileSync(outFile);
}

const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');

let table: Uint8Array;
let stream: Uint8Array;
beforeAll(async () => {
  [table, stream] = await Promise.all([pdfLib(3, false), pdfLib(3, true)]);
});

describe('PDFs that pass', () => {
  it('pdf-lib with an xref table and with an xref stream (useObjectStreams: true)', async () => {
    expect(latin1(table)).toMatch(/\nxref\n0 \d+\n[\s\S]*trailer\n<</);
    expect(latin1(stream)).not.toMatch(/\bxref\n|trailer/);
    expect(latin1(stream)).toMatch(/\/Type \/XRef/);
    expect(await check(table)).toBeNull();
    expect(await check(stream)).toBeNull();
  });

  it("the load test's sample, qpdf's linearized output and object-stream output, an incremental update", async () => {
    expect(await check(Buffer.from(renderSamplePdf(3)))).toBeNull();
    expect(await check(qpdf(table, ['--linearize']))).toBeNull();
    expect(await check(qpdf(table, ['--object-streams=generate']))).toBeNull();
    expect(await check(qpdf(stream, ['--object-streams=disable', '--linearize']))).toBeNull();
    // An incremental update appends a section; the last startxref is the one that counts.
    const base = Buffer.from(renderSamplePdf(1));
    const at = base.length;
    const object = '1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n';
    const update = `${object}xref\n1 1\n${String(at).padStart(10, '0')} 00000 n \ntrailer\n<< /Size 6 /Root 1 0 R /Prev ${latin1(base).lastIndexOf('xref')} >>\nstartxref\n${at + object.length}\n%%EOF\n`;
    expect(await check(Buffer.concat([base, Buffer.from(update)]))).toBeNull();
  });
});

describe('uploads that are refused, with the reason', () => {
  it.each([
    ['empty', '', 'the content does not start with a %PDF-1.x or %PDF-2.x header'],
    ['another format', 'GIF89a not a pdf', 'the content does not start with a %PDF-1.x or %PDF-2.x header'],
    ['a bare %PDF- prefix', '%PDF-junk', 'the content does not start with a %PDF-1.x or %PDF-2.x header'],
    ['a header only', '%PDF-1.7\n', 'no startxref and %%EOF at the end of the file (truncated or not a PDF)'],
    ['a header and junk', `%PDF-1.7\n${'A'.repeat(5000)}`, 'no startxref and %%EOF at the end of the file (truncated or not a PDF)'],
    ['startxref past the end', '%PDF-1.7\nstartxref\n99999\n%%EOF\n', 'startxref points to byte 99999, outside the file of 31 bytes'],
    ['startxref into the header', '%PDF-1.7\nstartxref\n2\n%%EOF\n', 'startxref points to byte 2, outside the file of 27 bytes'],
    ['startxref at junk', '%PDF-1.7\nhello world\nstartxref\n9\n%%EOF\n', 'startxref points to byte 9, where there is neither an xref table nor an xref stream'],
    ['an xref table without a trailer', '%PDF-1.7\nxref\n0 1\n0000000000 65535 f \nstartxref\n9\n%%EOF\n', 'the xref table has no trailer dictionary before startxref'],
    ['an object that is not an xref stream', '%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstartxref\n9\n%%EOF\n', 'startxref points to byte 9, where there is neither an xref table nor an xref stream'],
  ])('%s', async (_what, content, reason) => {
    expect(await check(Buffer.from(content, 'latin1'))).toBe(reason);
  });

  it('real PDFs cut short, cut after their xref, or with the pointer bent', async () => {
    for (const pdf of [table, stream]) {
      expect(await check(pdf.subarray(0, Math.floor(pdf.length / 2)))).toBe('no startxref and %%EOF at the end of the file (truncated or not a PDF)');
      expect(await check(pdf.subarray(0, pdf.length - 8))).toBe('no startxref and %%EOF at the end of the file (truncated or not a PDF)');
      const text = latin1(pdf);
      const offset = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)![1]);
      const bent = Buffer.from(text.replace(/startxref\s+\d+/, `startxref\n${offset + 3}`), 'latin1');
      expect(await check(bent)).toBe(`startxref points to byte ${offset + 3}, where there is neither an xref table nor an xref stream`);
    }
  });
});
