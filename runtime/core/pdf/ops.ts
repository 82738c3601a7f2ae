// The PDF operations, pure functions over bytes (pdf-lib). They run inside worker threads
// (pdf-thread.ts). The worker bench's baseline does not call them: it draws the watermark with
// pdf-lib's own API (bench/raw-watermark.ts), so the ratio counts what drawWatermark saves too.
import {
  cleanText,
  degrees,
  drawLinesOfText,
  EncryptedPDFError,
  lineSplit,
  PDFContentStream,
  PDFDocument,
  PDFName,
  popGraphicsState,
  pushGraphicsState,
  rgb,
  StandardFonts,
  type PDFDict,
  type PDFPage,
  type PDFRef,
} from 'pdf-lib';
import type { JobOp } from '../../../contract/index.js';
import { malformed } from './input-errors.js';
import { findPdfStructureProblem } from './structure.js';
import type { VerifyMode } from './verify-mode.js';
import { BadInputError, parsePageRanges } from './page-ranges.js';

export interface OpResult {
  outputs: Uint8Array[];
  /** Each output's page count, from the document it was saved from (verify `full` reads it back). */
  pages: number[];
  info?: Record<string, unknown>;
}

export type OpParams = Record<string, unknown>;

const TRAILER_WINDOW = 2048;

// pdf-lib yields to the event loop (a setTimeout) every 50 objects while parsing and writing. An op
// runs alone on its own thread, whose time limit is enforced from outside (the pool terminates
// it), so those yields buy nothing: they cost a timer each and a wait of a millisecond or more,
// which for a 2,000-page document is hundreds of milliseconds of doing nothing.
const NO_YIELD = { objectsPerTick: Infinity } as const;

/** Loads an input, turning every way it can be bad into a BadInputError with a clear reason. */
export async function loadInput(bytes: Uint8Array, maxPages: number, name = 'input'): Promise<PDFDocument> {
  if (bytes.length < 8 || Buffer.from(bytes.subarray(0, 5)).toString('latin1') !== '%PDF-') throw new BadInputError(`${name} is not a PDF (no %PDF- header)`);
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - TRAILER_WINDOW))).toString('latin1');
  if (!tail.includes('%%EOF')) throw new BadInputError(`${name} is truncated (no %%EOF trailer)`);
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, { updateMetadata: false, throwOnInvalidObject: true, ...NO_YIELD });
  } catch (err) {
    // Encrypted streams often fail to parse before pdf-lib gets to say "encrypted"; the trailer's
    // /Encrypt entry tells us the real reason.
    if (err instanceof EncryptedPDFError || Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes('/Encrypt')) {
      throw new BadInputError(`${name} is encrypted; remove the password first`);
    }
    throw malformed(name, err);
  }
  if (doc.isEncrypted) throw new BadInputError(`${name} is encrypted; remove the password first`);
  let pages: number;
  try {
    pages = doc.getPageCount();
  } catch (err) {
    throw malformed(name, err);
  }
  if (pages < 1) throw new BadInputError(`${name} is malformed: it has no pages`);
  if (pages > maxPages) throw new BadInputError(`${name} has ${pages} pages, over the limit of ${maxPages}`);
  return doc;
}

async function copyPages(src: PDFDocument, indices: number[], into?: PDFDocument): Promise<PDFDocument> {
  const out = into ?? (await PDFDocument.create());
  const pages = await out.copyPages(src, indices);
  for (const p of pages) out.addPage(p);
  return out;
}

const allIndices = (doc: PDFDocument) => doc.getPageIndices();
const saveOne = (doc: PDFDocument, objectStreams = true) => doc.save({ useObjectStreams: objectStreams, updateFieldAppearances: false, ...NO_YIELD });
/** One output document as an op result: its bytes and its page count. */
const save = async (doc: PDFDocument, objectStreams = true): Promise<OpResult> => ({ outputs: [await saveOne(doc, objectStreams)], pages: [doc.getPageCount()] });

export async function runOp(op: JobOp, inputs: Uint8Array[], params: OpParams, maxPages: number): Promise<OpResult> {
  const docs: PDFDocument[] = [];
  for (let i = 0; i < inputs.length; i++) docs.push(await loadInput(inputs[i], maxPages, inputs.length > 1 ? `input ${i + 1}` : 'input'));
  const [first] = docs;
  switch (op) {
    case 'info':
      return {
        outputs: [],
        pages: [],
        info: {
          pages: first.getPageCount(),
          title: first.getTitle() ?? null,
          author: first.getAuthor() ?? null,
          pageSizes: first.getPages().slice(0, 50).map((p) => p.getSize()),
        },
      };
    case 'merge': {
      const out = await PDFDocument.create();
      for (const d of docs) await copyPages(d, allIndices(d), out);
      if (out.getPageCount() > maxPages) throw new BadInputError(`merged document would have ${out.getPageCount()} pages, over the limit of ${maxPages}`);
      return await save(out);
    }
    case 'split': {
      const ranges = params.ranges as string[];
      const res: OpResult = { outputs: [], pages: [] };
      for (const r of ranges) {
        const part = await save(await copyPages(first, parsePageRanges(r, first.getPageCount())));
        res.outputs.push(...part.outputs);
        res.pages.push(...part.pages);
      }
      return res;
    }
    case 'extract':
      return await save(await copyPages(first, parsePageRanges(params.pages as string, first.getPageCount())));
    case 'rotate': {
      const targets = params.pages ? parsePageRanges(params.pages as string, first.getPageCount()) : allIndices(first);
      for (const i of targets) {
        const page = first.getPage(i);
        page.setRotation(degrees((page.getRotation().angle + Number(params.degrees)) % 360));
      }
      return await save(first);
    }
    case 'watermark':
      await drawWatermark(first, params);
      return await save(first);
    case 'optimize': {
      // Copying the pages into a fresh document leaves unreachable objects behind.
      const out = params.stripUnused === false ? first : await copyPages(first, allIndices(first));
      return await save(out, params.objectStreams !== false);
    }
    case 'metadata':
      applyMetadata(first, params);
      return await save(first);
    default:
      throw new BadInputError(`unknown op ${String(op)}`);
  }
}

/**
 * Draws the watermark with one content stream per page size, shared by every page of that size and
 * left uncompressed. pdf-lib's page.drawText gives each page its own stream and deflates it with a
 * fresh 256 KB zlib state: for a ~200-byte stream that was most of the op's CPU and garbage.
 */
export async function drawWatermark(doc: PDFDocument, params: OpParams): Promise<void> {
  const font = await doc.embedFont(StandardFonts.HelveticaBold);
  const opacity = params.opacity === undefined ? 0.3 : Number(params.opacity);
  const angle = params.angle === undefined ? 45 : Number(params.angle);
  const size = params.fontSize === undefined ? 48 : Number(params.fontSize);
  const lines = lineSplit(cleanText(String(params.text)));
  const widest = Math.max(...lines.map((l) => font.widthOfTextAtSize(l, size)));
  const encoded = lines.map((l) => font.encodeText(l));
  const ctx = doc.context;
  const gsRef = ctx.register(ctx.obj({ Type: 'ExtGState', ca: opacity, CA: opacity }));
  const streams = new Map<string, PDFRef>();
  for (const page of doc.getPages()) {
    const { width, height } = page.getSize();
    // A fixed resource name lets pages share the stream; a page that already uses it gets its own.
    const names = freeResourceNames(page, font.ref, gsRef);
    page.node.setFontDictionary(names.font, font.ref);
    page.node.setExtGState(names.gs, gsRef);
    const key = `${width}x${height}:${names.font.asString()}:${names.gs.asString()}`;
    let ref = streams.get(key);
    if (!ref) {
      const ops = [
        pushGraphicsState(),
        ...drawLinesOfText(encoded, {
          color: rgb(0.6, 0.6, 0.6),
          font: names.font,
          size,
          lineHeight: size * 1.2,
          rotate: degrees(angle),
          xSkew: degrees(0),
          ySkew: degrees(0),
          x: width / 2 - widest / 2,
          y: height / 2,
          graphicsState: names.gs,
        }),
        popGraphicsState(),
      ];
      ref = ctx.register(PDFContentStream.of(ctx.obj({}), ops, false));
      streams.set(key, ref);
    }
    page.node.addContentStream(ref);
  }
}

const WATERMARK_FONT = 'PdWmF';
const WATERMARK_GS = 'PdWmGS';

/** Names free in the page's resources, or already bound to ours (pages may share one inherited dict). */
function freeResourceNames(page: PDFPage, fontRef: PDFRef, gsRef: PDFRef): { font: PDFName; gs: PDFName } {
  const { Font, ExtGState } = page.node.normalizedEntries();
  const pick = (dict: PDFDict, base: string, ours: PDFRef) => {
    for (let i = 0; ; i++) {
      const name = PDFName.of(i ? `${base}${i}` : base);
      const bound = dict.get(name);
      if (bound === undefined || bound === ours) return name;
    }
  };
  return { font: pick(Font, WATERMARK_FONT, fontRef), gs: pick(ExtGState, WATERMARK_GS, gsRef) };
}

function applyMetadata(doc: PDFDocument, p: OpParams): void {
  if (typeof p.title === 'string') doc.setTitle(p.title);
  if (typeof p.author === 'string') doc.setAuthor(p.author);
  if (typeof p.subject === 'string') doc.setSubject(p.subject);
  if (Array.isArray(p.keywords)) doc.setKeywords(p.keywords.map(String));
  if (typeof p.creator === 'string') doc.setCreator(p.creator);
  if (typeof p.producer === 'string') doc.setProducer(p.producer);
  doc.setModificationDate(new Date());
}

/** The output's page count once it passed `mode`'s check (verify-mode.ts); throws when it did not. */
export async function checkOutput(bytes: Uint8Array, pages: number, mode: VerifyMode): Promise<number> {
  if (mode === 'full') return await verifyOutput(bytes);
  if (mode === 'structure') {
    const problem = await findPdfStructureProblem(bytes.length, async (start, end) => bytes.subarray(start, end));
    if (problem) throw new Error(`output failed its structure check: ${problem}`);
  }
  return pages;
}

/** Loads an output once more; a job completes only if its outputs read back cleanly. */
export async function verifyOutput(bytes: Uint8Array): Promise<number> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false, throwOnInvalidObject: true, ...NO_YIELD });
  const n = doc.getPageCount();
  if (n < 1) throw new Error('output has no pages');
  return n;
}

/** Page count for an upload; null when the file cannot be parsed (the job will say why). */
export async function countPages(bytes: Uint8Array): Promise<number | null> {
  try {
    return (await loadInput(bytes, Number.MAX_SAFE_INTEGER)).getPageCount();
  } catch {
    return null;
  }
}
