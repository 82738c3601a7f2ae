// One rendered file: what every renderer returns (templates/ for the stack, loadtest/ for k6).
// A leaf, so a renderer outside templates/ need not import templates/.
export interface RenderedFile {
  /** Path relative to the output folder, with forward slashes. */
  path: string;
  content: string;
  /** File mode; defaults to 0o644. */
  mode?: number;
}
