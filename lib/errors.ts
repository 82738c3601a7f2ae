// A few named error classes, each mapped once to an exit code. The top-level handler in
// cli/main.ts prints `error: <what> — <how to fix>`; the stack only with --verbose.
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  thresholds: 99,
} as const;

export abstract class ProdctlError extends Error {
  abstract readonly exitCode: number;
  constructor(
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bad profile, secret file or layering: always exit 2, always one line per problem. */
export class ConfigError extends ProdctlError {
  readonly exitCode = EXIT.usage;
  constructor(
    message: string,
    hint?: string,
    readonly problems: string[] = [],
  ) {
    super(message, hint);
  }
}

/** Bad flags or arguments. */
export class UsageError extends ProdctlError {
  readonly exitCode = EXIT.usage;
}

/** The target (engine, processes, edge) could not do what was asked. */
export class TargetError extends ProdctlError {
  readonly exitCode = EXIT.failed;
  constructor(
    message: string,
    hint?: string,
    readonly logTail: string[] = [],
  ) {
    super(message, hint);
  }
}

/** Checks ran and at least one failed at or above the gate. */
export class CheckError extends ProdctlError {
  readonly exitCode = EXIT.failed;
}

/** A backup, restore or verify failed; names the part and the file. */
export class BackupError extends ProdctlError {
  readonly exitCode = EXIT.failed;
}

/** `prodctl wal-fetch` could read a WAL file but not trust it (corrupt, wrong key, store down):
 *  an exit status above 125 makes Postgres abort recovery instead of ending it early and promoting
 *  at the wrong point, which is what any status 1–125 ("file not archived") would do. */
export class WalFetchAbort extends ProdctlError {
  readonly exitCode = 126;
}

/** Load test thresholds failed: k6's exit code. */
export class ThresholdError extends ProdctlError {
  readonly exitCode = EXIT.thresholds;
}

/** A certificate could not be issued, renewed, installed or checked. */
export class TlsError extends ProdctlError {
  readonly exitCode = EXIT.failed;
}

export function exitCodeOf(err: unknown): number {
  return err instanceof ProdctlError ? err.exitCode : EXIT.failed;
}
