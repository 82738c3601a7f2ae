// The output check before a job completes, per `workers.verify_output` mode, on real pdf-lib
// outputs: what each mode catches and what it lets through, and the page count it records.
import { describe, expect, it } from 'vitest';
import { checkOutput, runOp } from '../../runtime/core/pdf/ops.js';
import { makePdf } from '../fixtures/runtime/make-fixtures.js';

const output = async () => (await runOp('watermark', [await makePdf(10)], { text: 'CONFIDENTIAL' }, 100)).outputs[0];

/** The output with the compressed bytes of its object stream garbled (header and xref intact). */
function damaged(bytes: Uint8Array): Uint8Array {
  const s = Buffer.from(bytes).toString('latin1');
  const at = s.indexOf('stream', s.indexOf('/Type /ObjStm')) + 'stream\n'.length;
  expect(at).toBeGreaterThan(100);
  const out = Uint8Array.from(bytes);
  for (let i = at; i < at + 20; i++) out[i] ^= 0x55;
  return out;
}

describe('output verification modes', () => {
  it('the op reports each output page count, and every mode passes a good output with it', async () => {
    const res = await runOp('split', [await makePdf(10)], { ranges: ['1-3', '4-'] }, 100);
    expect(res.pages).toEqual([3, 7]);
    for (const mode of ['full', 'structure', 'off'] as const) {
      expect(await checkOutput(res.outputs[0], res.pages[0], mode)).toBe(3);
      expect(await checkOutput(res.outputs[1], res.pages[1], mode)).toBe(7);
    }
  });

  it('full and structure refuse a truncated output; off does not', async () => {
    const cut = (await output()).subarray(0, 2000);
    await expect(checkOutput(cut, 10, 'full')).rejects.toThrow();
    await expect(checkOutput(cut, 10, 'structure')).rejects.toThrow('output failed its structure check: no startxref and %%EOF at the end of the file');
    expect(await checkOutput(cut, 10, 'off')).toBe(10);
  });

  it('only full refuses a damaged object inside an output whose structure holds (the documented risk)', async () => {
    const bad = damaged(await output());
    await expect(checkOutput(bad, 10, 'full')).rejects.toThrow();
    expect(await checkOutput(bad, 10, 'structure')).toBe(10);
  });
});
