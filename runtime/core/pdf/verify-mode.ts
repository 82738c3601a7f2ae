// How a worker checks an output before the job completes (profile `workers.verify_output`), in a
// module of its own so the config reads it without loading pdf-lib:
//   full       loads the output once more with pdf-lib (every object parsed; the default)
//   structure  checks the header, the startxref pointer and the xref it points at (a few small
//              windows, the same check as an upload's); the page count comes from the saved document
//   off        checks nothing
export type VerifyMode = 'full' | 'structure' | 'off';
export const VERIFY_MODES: readonly VerifyMode[] = ['full', 'structure', 'off'];
