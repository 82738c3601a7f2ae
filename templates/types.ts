export interface RenderedFile {
  /** Path relative to the output folder, with forward slashes. */
  path: string;
  content: string;
  /** File mode; defaults to 0o644. */
  mode?: number;
}
