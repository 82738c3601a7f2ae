// Runtime-side errors. The runtime never imports the CLI side, so it has its own small set;
// entry points print `error: <what> — <hint>` and exit non-zero.

export class RuntimeConfigError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'RuntimeConfigError';
  }
}

/** A dependency (Postgres, Redis) is set up in a way the service refuses to run with. */
export class DependencyError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'DependencyError';
  }
}

/** An HTTP error with a status and a stable machine-readable code. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function formatFatal(err: unknown): string {
  const e = err as { message?: string; hint?: string };
  return `error: ${e?.message ?? String(err)}${e?.hint ? ` — ${e.hint}` : ''}`;
}
