// What a user reads when their PDF cannot be worked on. Every failure caused by the input falls in
// one of the documented classes (docs/runtime.md, "Bad input"), each a BadInputError whose message
// starts with "input …" and says what is wrong in words, never pdf-lib's internals:
//   not a PDF · truncated · encrypted · malformed: <what> · over the page limit
// (Over memory and over time come from the thread pool, which has no input to blame in detail.)
import { BadInputError } from './page-ranges.js';

/** The message of each class, for tests and docs: every bad-input failure matches one of them. */
export const BAD_INPUT_CLASSES = {
  notPdf: /^(input|input \d+) is not a PDF \(no %PDF- header\)$/,
  truncated: /^(input|input \d+) is truncated \(no %%EOF trailer\)$/,
  encrypted: /^(input|input \d+) is encrypted; remove the password first$/,
  malformed: /^(input|input \d+|one of the inputs) is malformed: [a-z][^{}]*$/,
  tooManyPages: /^(input|input \d+|merged document) (has|would have) \d+ pages, over the limit of \d+$/,
  overMemory: /^PDF work exceeded the per-job memory limit of \d+ MB$/,
  overTime: /^PDF work took longer than \d+ ms and was aborted$/,
} as const;

// pdf-lib is compiled to ES5, where a subclass of Error is a plain Error (instanceof its classes
// fails): its errors are known by where they were thrown and by the class in the stack's top frame.
const PDF_LIB_FRAME = /[\\/]pdf-lib[\\/]/;

/** pdf-lib's error class (e.g. UnexpectedObjectTypeError), or null when pdf-lib did not throw it. */
function pdfLibErrorOf(err: Error): string | null {
  const frames = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
  if (!frames[0] || !PDF_LIB_FRAME.test(frames[0])) return null;
  return /at new (\w+Error) /.exec(frames[0])?.[1] ?? err.name ?? 'Error';
}

/** True when `err` comes from reading or walking a document (pdf-lib, or JS errors inside it). */
export function isDocumentError(err: unknown): boolean {
  if (!(err instanceof Error) || err instanceof BadInputError) return false;
  // A TypeError or RangeError inside pdf-lib is a missing entry or a structure too deep to walk.
  return err instanceof TypeError || err instanceof RangeError || pdfLibErrorOf(err) !== null;
}

/** `<name> is malformed: <what>`, in words a user can act on, for an error from isDocumentError. */
export function malformed(name: string, err: unknown): BadInputError {
  return new BadInputError(`${name} is malformed: ${describe(err as Error)}`);
}

const WORDS: Record<string, string> = {
  UnexpectedObjectTypeError: 'a required entry is missing or has the wrong type (page tree, page or catalog)',
  CorruptPageTreeError: 'its page tree is corrupt',
  InvalidTargetIndexError: 'its page tree is corrupt',
  MissingCatalogError: 'it has no document catalog',
  EncryptedPDFError: 'it is encrypted',
  MissingPDFHeaderError: 'it has no %PDF- header',
  UnrecognizedStreamTypeError: 'a stream has an unknown type',
  PDFArrayIsNotRectangleError: 'a page box is not a rectangle',
  StalledParserError: 'the parser cannot get past a broken object',
};

function describe(err: Error): string {
  const first = (err.message ?? '').split('\n')[0];
  if (err instanceof RangeError && /call stack/i.test(first)) return 'its objects nest too deeply or refer to themselves in a cycle';
  // Parser errors carry a position ({"line":…,"offset":…} or "offset=…"): name the byte.
  const offset = /offset"?\s*[:=]\s*(\d+)/.exec(first);
  if (offset) return `an object at byte ${offset[1]} cannot be parsed`;
  const cls = pdfLibErrorOf(err);
  if (cls && WORDS[cls]) return WORDS[cls];
  if (err instanceof TypeError) return WORDS.UnexpectedObjectTypeError;
  if (err instanceof RangeError) return 'a size or count in it is out of range';
  return `the document cannot be read (${cls ?? err.name ?? 'error'})`;
}
