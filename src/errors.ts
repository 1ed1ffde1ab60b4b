/**
 * Typed errors. Every error a user can cause (bad file, bad config, diverging run) is a
 * SelfpropError: the CLI prints its message on one line and exits non-zero, never a stack trace.
 * The message names the file, the position (byte offset or line) and what was expected.
 */
export class SelfpropError extends Error {
  /** Exit code the CLI uses for this error. */
  readonly exitCode: number = 1;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A data file is missing, truncated or not in the expected format. */
export class DataFormatError extends SelfpropError {
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly position?: string,
  ) {
    super(`${file}${position ? ` (${position})` : ''}: ${detail}`);
  }
}

/** A configuration value (file or command line) is invalid. */
export class ConfigError extends SelfpropError {
  override readonly exitCode = 2;
}

/** Training produced NaN or Inf; the last good checkpoint is left intact. */
export class DivergenceError extends SelfpropError {
  override readonly exitCode: number = 3;
}

/**
 * The first problem a schema found, as one ConfigError naming the field (`section.path`):
 * `source: invalid value at "snn.rule": …`.
 */
export function zodProblem(error: { readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[] }, source: string, section = ''): ConfigError {
  const issue = error.issues[0];
  const where = [section, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.') || '(root)';
  return new ConfigError(`${source}: invalid value at "${where}": ${issue?.message ?? 'invalid'}`);
}
