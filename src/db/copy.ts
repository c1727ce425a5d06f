/**
 * COPY's text format: one line per row, a tab between columns, `\N` for
 * null, and backslash escapes for the characters that would end a value
 * early. Callers build lines with `copyLine` or, for columns whose text
 * cannot hold a tab, newline or backslash (numbers, dates, codes), join
 * the values themselves and escape only free text with `copyField`.
 */

const special = /[\\\t\n\r]/;
const specials = /[\\\t\n\r]/g;
const escapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Returns one value as COPY text, escaped where needed, or `\N` for null. */
export function copyField(value: string | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  return special.test(value) ? value.replace(specials, (char) => escapes[char]!) : value;
}

/** Returns one row as a COPY line, without its newline. */
export function copyLine(values: readonly (string | null)[]): string {
  return values.map(copyField).join('\t');
}

/** `copy <table> (<columns>) from <source>`, with identifiers checked. */
export function copyStatement(table: string, columns: readonly string[], source: string): string {
  for (const name of [table, ...columns]) {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  }
  return `copy ${table} (${columns.join(', ')}) from ${source}`;
}

/** Lines joined into COPY input, each ended by a newline. */
export function copyText(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

const unescapes: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** Reads one value of COPY text output: `\N` is null, backslash escapes are undone. */
export function parseCopyField(field: string): string | null {
  if (field === '\\N') return null;
  if (!field.includes('\\')) return field;
  return field.replace(/\\(.)/g, (escape, char: string) => unescapes[char] ?? char);
}

/** Splits COPY text output into its rows' lines, without the last newline. */
export function copyOutputLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}
