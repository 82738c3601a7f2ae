// PDF threads route pdf-lib's stream compression through node:zlib. The switch must reach the pako
// instance pdf-lib really calls, keep pako for calls it does not understand, and leave what pdf-lib
// writes a valid PDF.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { PDFDocument } from 'pdf-lib';
import { installNativeDeflate, isNativeDeflateInstalled } from '../../runtime/core/pdf/native-deflate.js';
import { runOp, verifyOutput } from '../../runtime/core/pdf/ops.js';
import { makePdf } from '../fixtures/runtime/make-fixtures.js';
import { makeTempDir } from '../support/services.js';

const tmp = { dir: makeTempDir('prodctl-deflate-') };
afterAll(() => rmSync(tmp.dir, { recursive: true, force: true }));

const pdfLibPako = () => createRequire(createRequire(import.meta.url).resolve('pdf-lib'))('pako') as { deflate: (d: unknown, o?: unknown) => Uint8Array };

describe('native deflate for pdf-lib', () => {
  it('replaces the deflate of the pako that pdf-lib loads, once, and compresses with zlib', () => {
    const pako = pdfLibPako();
    const before = pako.deflate;
    installNativeDeflate();
    const installed = pako.deflate;
    installNativeDeflate();
    expect(isNativeDeflateInstalled()).toBe(true);
    expect(installed).not.toBe(before);
    expect(pako.deflate).toBe(installed);
    const data = new TextEncoder().encode('BT /F1 48 Tf (CONFIDENTIAL) Tj ET\n'.repeat(50));
    const out = pako.deflate(data);
    expect(out).toBeInstanceOf(Uint8Array);
    expect(out.length).toBeLessThan(data.length / 10);
    expect(Buffer.from(inflateSync(out)).equals(Buffer.from(data))).toBe(true);
    // A call with options (pdf-lib makes none) still gets pako's own result: raw deflate here.
    const raw = pako.deflate(data, { raw: true });
    expect(raw[0]).not.toBe(0x78);
  });

  it('leaves a watermarked document with object streams valid for qpdf and for pdf-lib', async () => {
    installNativeDeflate();
    const out = (await runOp('watermark', [await makePdf(10)], { text: 'CONFIDENTIAL' }, 100)).outputs[0];
    expect(Buffer.from(out).includes('/ObjStm')).toBe(true);
    expect(await verifyOutput(out)).toBe(10);
    const file = path.join(tmp.dir, 'out.pdf');
    writeFileSync(file, out);
    execFileSync('qpdf', ['--check', file]);
    expect((await PDFDocument.load(out)).getPageCount()).toBe(10);
  });
});
