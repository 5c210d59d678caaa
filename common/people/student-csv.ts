import { parse } from 'csv-parse/sync';
import Joi from 'joi';

/**
 * Reading a student CSV (README.md#admin-bulk-import-and-export). Quoting, embedded commas and
 * newlines, a BOM from Excel and `;` separators from European spreadsheets are csv-parse's job;
 * this file maps the header and checks each row's fields.
 */

export interface ImportRow {
  /** the line the record starts on, counting the header as line 1 */
  line: number;
  name: string;
  nis: string | null;
  email: string | null;
  classroom: string | null;
}

export class CsvFormatError extends Error {}

/** Header names a school's spreadsheet uses, in English or Indonesian, mapped to ours. */
const HEADER_ALIASES: Record<string, keyof Omit<ImportRow, 'line'>> = {
  name: 'name',
  nama: 'name',
  nis: 'nis',
  student_number: 'nis',
  studentnumber: 'nis',
  email: 'email',
  'e-mail': 'email',
  classroom: 'classroom',
  class: 'classroom',
  kelas: 'classroom',
};

export const emailSchema = Joi.string().email({ tlds: false }).max(254);
export const NIS_PATTERN = /^[0-9][0-9.\-/]{2,19}$/;

function delimiterOf(firstLine: string): string {
  const commas = firstLine.split(',').length;
  const semicolons = firstLine.split(';').length;
  return semicolons > commas ? ';' : ',';
}

export function parseStudentCsv(text: string, maxRows: number): ImportRow[] {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  let records: { record: string[]; raw: string; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      delimiter: delimiterOf(firstLine),
      skip_empty_lines: true,
      trim: true,
      info: true,
      raw: true,
      relax_column_count: true,
      max_record_size: 4096,
      // the header, the rows allowed and one more, so a file over the limit is refused rather than cut short
      to: maxRows + 2,
    }) as unknown as { record: string[]; raw: string; info: { lines: number } }[];
  } catch (err) {
    throw new CsvFormatError(`The file is not valid CSV: ${(err as Error).message}`);
  }
  const [header, ...body] = records;
  if (!header) throw new CsvFormatError('The file is empty');
  const columns = header.record.map((h) => HEADER_ALIASES[h.trim().toLowerCase()]);
  if (!columns.includes('name')) throw new CsvFormatError('The header has no "name" column');
  if (!columns.includes('nis') && !columns.includes('email')) throw new CsvFormatError('The header needs a "nis" or an "email" column');
  if (body.length > maxRows) throw new CsvFormatError(`The file has more than ${maxRows} rows`);
  return body.map(({ record, raw, info }) => {
    const row: ImportRow = { line: startLine(raw, info.lines), name: '', nis: null, email: null, classroom: null };
    columns.forEach((column, i) => {
      const value = record[i]?.trim() ?? '';
      if (!column) return;
      if (column === 'name') row.name = value;
      else row[column] = value === '' ? null : column === 'email' ? value.toLowerCase() : value;
    });
    return row;
  });
}

/**
 * csv-parse counts the lines read up to the end of a record; a quoted field may hold newlines, so the
 * record starts as many lines earlier as its own text (without the blank lines before it) has.
 */
function startLine(raw: string, endLine: number): number {
  const text = raw.replace(/^(?:\r?\n)+/, '').replace(/\r?\n$/, '');
  return endLine - (text.match(/\n/g)?.length ?? 0);
}
