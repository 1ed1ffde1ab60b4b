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
  return new ConfigError(oneLine(`${source}: invalid value at ${quoteText(where)}: ${issue?.message ?? 'invalid'}`, 400));
}

// One-line messages: a message never spans lines, and quoting a file's content cannot make it huge.

/**
 * A piece of a file quoted for a one-line message: JSON-escaped (no line break survives), cut to
 * `max` characters so that a huge line does not become a huge message.
 */
export function quoteText(text: string, max = 80): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** Any value as short JSON for a message (`undefined` when there is none). */
export function quoteJson(value: unknown, max = 80): string {
  const json = (JSON.stringify(value) ?? 'undefined').replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  return json.length > max ? `${json.slice(0, max)}…` : json;
}

/** Another library's error message (a JSON parser's, a decompressor's) on one line of at most `max` characters. */
export function oneLine(message: string, max = 200): string {
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
