// The result of one validation of a rendered file (prodctl validate prints one line per result).
export interface ValidationResult {
  name: string;
  ok: boolean;
  /** Set when the validation could not run here: why, and the exact command that fixes it. */
  skipped?: string;
  details: string[];
}
