import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express, { type Express } from 'express';
import sharp from 'sharp';
import { apiDeps } from '../support/deps';
import { receiveUploads } from '../../api/files/upload';
import { FileService } from '../../api/files/service';
import { errorHandler } from '../../api/middleware/error-handler';
import type { StoredFile } from '../../common/models';

export { lyingArchive, makeZip, overlappingArchive, zipBomb, zipSlipArchive, type ZipItem } from '../support/zips';

/** Real files, made here rather than checked in, so what each one is stays visible in the test. */
export const realPng = (width = 640, height = 480) =>
  sharp({ create: { width, height, channels: 3, background: { r: 40, g: 90, b: 200 } } })
    .png()
    .toBuffer();

export const realPdf = () =>
  Buffer.from(
    '%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n' +
      '2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n',
    'latin1',
  );

/** The first bytes of a 64-bit Linux executable, then padding. */
export const elfExecutable = () => Buffer.concat([Buffer.from('7f454c4602010100000000000000000002003e0001000000', 'hex'), crypto.randomBytes(512)]);

/** A DOS/PE header ("MZ", e_lfanew pointing at "PE\0\0"), as a Windows .exe starts. */
export const peExecutable = () => {
  const buf = Buffer.alloc(1024);
  buf.write('MZ', 0, 'latin1');
  buf.writeUInt32LE(0x80, 0x3c);
  buf.write('PE\0\0', 0x80, 'latin1');
  buf.writeUInt16LE(0x8664, 0x84);
  return buf;
};

let tmpDir: string | undefined;
/** A file on disk as multer would have left it, for calling the service without HTTP. */
export function asUpload(name: string, content: Buffer): Express.Multer.File {
  tmpDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'gema-files-test-'));
  const file = path.join(tmpDir, crypto.randomUUID());
  fs.writeFileSync(file, content);
  return {
    fieldname: 'files',
    originalname: name,
    encoding: '7bit',
    mimetype: 'application/octet-stream',
    size: content.length,
    destination: tmpDir,
    filename: path.basename(file),
    path: file,
    buffer: Buffer.alloc(0),
    stream: undefined as never,
  };
}

export const ALL_TYPES = ['pdf', 'png', 'jpg', 'zip', 'txt', 'md', 'py', 'html', 'svg'];

let service: FileService | undefined;
export const fileService = () => (service ??= new FileService(apiDeps()));

/** Stores content for `ownerId` through the real service, as the submission route will. */
export function storeFile(ownerId: string, name: string, content: Buffer, allowedTypes = ALL_TYPES): Promise<StoredFile> {
  return fileService().store({ ownerId, upload: asUpload(name, content), allowedTypes, maxBytes: 25 * 1024 * 1024 });
}

export interface UploadProbe {
  /** temporary paths multer wrote during the last request */
  lastTempPaths: string[];
}

/**
 * A test-only upload route: `POST /upload?types=pdf,png&maxBytes=1024&maxFiles=2`, authenticated,
 * multer → FileService.store → 201 with the stored files. The real upload routes (submissions)
 * are built the same way.
 */
export function uploadTestApp(): { app: Express; probe: UploadProbe } {
  const deps = apiDeps();
  const probe: UploadProbe = { lastTempPaths: [] };
  const app = express();
  app.post(
    '/upload',
    deps.auth.requireAuth,
    (req, res, next) => receiveUploads({ maxFiles: Number(req.query.maxFiles ?? 5) })(req, res, next),
    async (req, res) => {
      const uploads = (req.files as Express.Multer.File[] | undefined) ?? [];
      probe.lastTempPaths = uploads.map((u) => u.path);
      const types = String(req.query.types ?? ALL_TYPES.join(',')).split(',');
      const maxBytes = Number(req.query.maxBytes ?? 25 * 1024 * 1024);
      const stored = await fileService().storeAll({ ownerId: req.user!.id, uploads, allowedTypes: types, maxBytes });
      res.status(201).json({ data: stored.map((f) => fileService().toPublic(f)) });
    },
  );
  app.use(errorHandler({ logger: deps.logger, exposeStack: true }));
  return { app, probe };
}

export async function streamToBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}
