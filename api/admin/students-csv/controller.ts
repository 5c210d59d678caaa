import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RequestHandler, Response } from 'express';
import multer from 'multer';
import { stringify } from 'csv-stringify';
import { BadRequestError } from '../../../common/errors';
import { input } from '../../http/validate';
import { multipart } from '../../http/multipart';
import { sendData } from '../../http/respond';
import type { StudentImportService } from './import-service';
import type { CsvRecord, ExportService } from './export-service';
import { GRADE_EXPORT_HEADER, STUDENT_EXPORT_HEADER } from './export-service';
import { escapeFormula } from './csv-safety';
import type { ImportOptions } from './schemas';

/** The CSV arrives as the multipart field `file`, held in memory up to STUDENT_IMPORT_MAX_BYTES. */
export function csvUpload(maxBytes: number): RequestHandler {
  return multipart(
    multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: 1, fields: 4, fieldSize: 1024 } }).single('file'),
    1,
  );
}

async function streamCsv(res: Response, filename: string, header: string[], rows: AsyncIterable<CsvRecord>): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Cache-Control', 'no-store');
  // a BOM so Excel reads UTF-8 names correctly
  res.write('\uFEFF');
  const csv = stringify({ header: true, columns: header, cast: { string: escapeFormula } });
  await pipeline(Readable.from(rows), csv, res);
}

export function studentsCsvController(imports: StudentImportService, exports: ExportService) {
  const importStudents: RequestHandler = async (req, res) => {
    const file = req.file;
    if (!file) throw new BadRequestError('FILE_REQUIRED', 'Send the CSV as the multipart field "file"');
    const opts: ImportOptions = { ...input<{ dryRun: boolean }>(req, 'query'), ...input<{ initialPassword?: string }>(req, 'body') };
    const outcome = await imports.run(req.user!, file.buffer.toString('utf8'), opts);
    if (outcome.kind === 'queued') {
      res.setHeader('Location', `/api/v2/admin/students/imports/${outcome.import.id}`);
      return sendData(res, outcome.import, 202);
    }
    const { kind, ...body } = outcome;
    sendData(res, { dryRun: kind === 'checked', ...body }, kind === 'checked' ? 200 : 201);
  };

  const importStatus: RequestHandler = async (req, res) => sendData(res, await imports.get(req.user!, input<{ id: string }>(req, 'params').id));

  const exportStudents: RequestHandler = async (req, res) => {
    const rows = await exports.students(req.user!, input<{ classroomId?: string; status?: string }>(req, 'query'));
    await streamCsv(res, 'students.csv', STUDENT_EXPORT_HEADER, rows);
  };

  const exportGrades: RequestHandler = async (req, res) => {
    const rows = await exports.grades(req.user!, input<{ classroomId: string }>(req, 'query').classroomId);
    await streamCsv(res, 'grades.csv', GRADE_EXPORT_HEADER, rows);
  };

  return { importStudents, importStatus, exportStudents, exportGrades };
}
