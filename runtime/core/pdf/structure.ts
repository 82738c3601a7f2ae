// A cheap structural check of an upload, before anything parses it: the header, the `startxref`
// pointer and `%%EOF` at the end, and at the pointed-to offset either a classic xref table (with
// its trailer before `startxref`) or an xref stream object (`/Type /XRef`, PDF 1.5+). It reads at
// most three small windows of the file, so it costs the same for 1 KiB and 50 MiB, and it refuses
// what only starts with `%PDF-` (a header and junk, a truncated transfer, another format).

/** Reads bytes [start, end) of the upload (fewer at the end of the file). */
export type ReadWindow = (start: number, end: number) => Promise<Uint8Array>;

/** The end of the file that must hold the trailer, `startxref` and `%%EOF`. */
export const TAIL_BYTES = 8192;
/** How much is read where `startxref` points. */
export const XREF_WINDOW_BYTES = 4096;

const HEADER = /^%PDF-[12]\.\d/;
// The last startxref in the tail: pointer, then %%EOF. Incremental updates append more sections,
// and the last one is the one readers follow.
const STARTXREF = /startxref\s+(\d{1,15})\s+%%EOF/g;
const XREF_TABLE = /^xref\s+\d+\s+\d+\s/;
const XREF_STREAM = /^\d+\s+\d+\s+obj\s*<<[\s\S]*?\/Type\s*\/XRef\b/;

/** Why the upload is not a PDF, or null when its structure holds. */
export async function findPdfStructureProblem(size: number, read: ReadWindow): Promise<string | null> {
  const head = latin1(await read(0, Math.min(size, 16)));
  if (!HEADER.test(head)) return 'the content does not start with a %PDF-1.x or %PDF-2.x header';
  const tailStart = Math.max(0, size - TAIL_BYTES);
  const tail = latin1(await read(tailStart, size));
  const pointers = [...tail.matchAll(STARTXREF)];
  const last = pointers[pointers.length - 1];
  if (!last) return 'no startxref and %%EOF at the end of the file (truncated or not a PDF)';
  const offset = Number(last[1]);
  if (offset < 8 || offset >= size) return `startxref points to byte ${offset}, outside the file of ${size} bytes`;
  const at = latin1(await read(offset, Math.min(size, offset + XREF_WINDOW_BYTES)));
  if (XREF_TABLE.test(at)) {
    // A table section's trailer sits between the table and startxref; dictionaries that need
    // more than TAIL_BYTES do not occur in practice.
    if (!/trailer\s*<</.test(tail.slice(0, last.index))) return 'the xref table has no trailer dictionary before startxref';
    return null;
  }
  if (XREF_STREAM.test(at)) return null;
  return `startxref points to byte ${offset}, where there is neither an xref table nor an xref stream`;
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
