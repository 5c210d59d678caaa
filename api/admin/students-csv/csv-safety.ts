/**
 * CSV formula injection (OWASP): a spreadsheet runs a cell that begins with `=`, `+`, `-`, `@`, a tab
 * or a carriage return as a formula. Such text cells get a leading apostrophe, which spreadsheets
 * show as text; numbers and dates are left alone.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function escapeFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}
