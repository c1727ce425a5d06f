/**
 * An error about a value the user supplied: a file row, a CLI option or a
 * request field. The CLI prints `message`; the HTTP API returns it as JSON
 * with `code` and `field`.
 */
export class InputError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

/** An error in an input file, naming the file, line, column and value. */
export class FileRowError extends InputError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: string,
    readonly value: string,
    problem: string,
  ) {
    super(
      `${file}, line ${line}, column "${column}": ${problem} (value "${value}")`,
      'invalid_row',
      column,
    );
    this.name = 'FileRowError';
  }
}

export class NotFoundError extends InputError {
  constructor(message: string, field?: string) {
    super(message, 'not_found', field);
    this.name = 'NotFoundError';
  }
}
