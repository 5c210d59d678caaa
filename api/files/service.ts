import crypto from 'node:crypto';
import fs from 'node:fs';
import { QueryTypes, UniqueConstraintError } from 'sequelize';
import type { ApiDeps } from '../deps';
import type { AuthUser } from '../auth/middleware';
import { enqueue } from '../../common/queues';
import { PayloadTooLargeError, UnprocessableError, UnsupportedMediaTypeError } from '../../common/errors';
import { StoredFile, type FileMetadata, type FileStatus } from '../../common/models';
import { createStorage, storageFor, type Storage } from '../../common/storage';
import { UPLOAD_LIMITS } from './upload';
import { isAllowed, readFacts, sanitiseFilename, sniffType } from './sniff';

export interface StoreInput {
  ownerId: string;
  upload: Express.Multer.File;
  /** extensions (`pdf`, `png`, `zip`) and/or MIME types (`application/pdf`, `image/*`) */
  allowedTypes: string[];
  /** the assignment's cap; the 25 MB hard cap applies whatever this says */
  maxBytes: number;
}

/** The shape a file is shown in by every route (a submission's files, the upload answer). */
export interface PublicFile {
  id: string;
  name: string;
  mimeType: string;
  size: number;
  status: FileStatus;
  rejectionReason: string | null;
  metadata: { width?: number; height?: number; entryCount?: number; uncompressedBytes?: number };
  url: string;
  thumbnailUrl: string | null;
  createdAt: Date;
}

interface Inspected {
  path: string;
  name: string;
  mime: string;
  size: number;
  sha256: string;
}

export type FileServiceDeps = Pick<ApiDeps, 'config' | 'logger' | 'queues' | 'sequelize'>;

export const fileUrl = (id: string) => `/api/v2/files/${id}`;

/**
 * Accepts uploaded files into storage (type decided by content, stored once per owner and content)
 * and answers who may read them. Built once per app: `new FileService(deps)`.
 */
export class FileService {
  readonly storage: Storage;

  constructor(
    private readonly deps: FileServiceDeps,
    storage?: Storage,
  ) {
    this.storage = storage ?? createStorage(deps.config);
  }

  /**
   * Checks one received upload and keeps it: 413 over the cap, 415 when its content is not an
   * allowed type (whatever its name or the client's Content-Type say). The same content uploaded
   * again by the same owner returns the row already stored. New rows start `processing` and a
   * `file-processing` job is queued for them.
   */
  async store(input: StoreInput): Promise<StoredFile> {
    return this.keep(input.ownerId, await this.inspect(input));
  }

  /**
   * Several uploads of one request: every file is checked before any is kept, so a refused third
   * file leaves nothing of the first two behind.
   */
  async storeAll(input: Omit<StoreInput, 'upload'> & { uploads: Express.Multer.File[] }): Promise<StoredFile[]> {
    const checked: Inspected[] = [];
    for (const upload of input.uploads) checked.push(await this.inspect({ ...input, upload }));
    const stored: StoredFile[] = [];
    for (const one of checked) stored.push(await this.keep(input.ownerId, one));
    return stored;
  }

  /** Size, content type and hash of an upload, or the 413/415/422 that refuses it. Stores nothing. */
  private async inspect(input: StoreInput): Promise<Inspected> {
    const { upload } = input;
    const name = sanitiseFilename(upload.originalname);
    const cap = Math.min(input.maxBytes, UPLOAD_LIMITS.maxFileBytes, this.deps.config.uploads.maxBytes);
    // the size multer counted, and again the size on disk below: both must fit
    if (upload.size > cap) throw tooLarge(name, cap);

    const facts = await readFacts(upload.path);
    if (facts.size > cap) throw tooLarge(name, cap);
    if (facts.size === 0) throw new UnprocessableError('EMPTY_FILE', `${name} is empty`, { name });

    const type = await sniffType(upload.path, name, facts.looksLikeText);
    if (!type) {
      throw new UnsupportedMediaTypeError(`The type of ${name} could not be recognised`, {
        name,
        allowed: input.allowedTypes,
      });
    }
    if (!isAllowed(type, input.allowedTypes)) {
      throw new UnsupportedMediaTypeError(`${name} is ${type.mime}, which is not allowed here`, {
        name,
        detected: type.mime,
        allowed: input.allowedTypes,
      });
    }
    return { path: upload.path, name, mime: type.mime, size: facts.size, sha256: facts.sha256 };
  }

  /** Writes a checked upload once per owner and content, and queues its processing. */
  private async keep(ownerId: string, upload: Inspected): Promise<StoredFile> {
    const existing = await StoredFile.findOne({ where: { ownerId, sha256: upload.sha256 } });
    if (existing) {
      // handed out again: the unreferenced-file cleanup counts its grace period from now
      await this.deps.sequelize.query('UPDATE files SET updated_at = now() WHERE id = :id', { replacements: { id: existing.id } });
      return existing;
    }

    const id = crypto.randomUUID();
    const storageKey = `${ownerId}/${id}`;
    // opened before the storage driver awaits anything: a stream opened lazily would emit an open
    // failure (the temp file removed meanwhile, e.g. by an aborted request's cleanup) before the
    // driver's pipeline listens, and an 'error' nobody listens to stops the whole process
    const handle = await fs.promises.open(upload.path, 'r');
    try {
      await this.storage.put(storageKey, handle.createReadStream(), upload.mime);
    } catch (err) {
      // a driver that failed before reading leaves the descriptor open (the stream closes it once read)
      await handle.close().catch(() => undefined);
      throw err;
    }
    let file: StoredFile;
    try {
      file = await StoredFile.create({
        id,
        ownerId,
        storageDriver: this.storage.driver,
        storageKey,
        originalName: upload.name,
        mimeType: upload.mime,
        size: upload.size,
        sha256: upload.sha256,
        status: 'processing',
      });
    } catch (err) {
      await this.storage.delete(storageKey).catch(() => undefined);
      // the same content arrived twice at once: the first row wins, both callers get it
      if (err instanceof UniqueConstraintError) {
        const winner = await StoredFile.findOne({ where: { ownerId, sha256: upload.sha256 } });
        if (winner) return winner;
      }
      throw err;
    }

    try {
      await enqueue(this.deps.queues, 'file-processing', { fileId: file.id }, { jobId: `file-${file.id}` });
    } catch (err) {
      // without its job the row would say `processing` forever; the caller gets a 503 and may retry
      await file.destroy().catch(() => undefined);
      await this.storage.delete(storageKey).catch(() => undefined);
      throw err;
    }
    return file;
  }

  /** The owner, an admin, or a teacher of the classroom the owner is in. */
  async canRead(user: Pick<AuthUser, 'id' | 'role'>, file: Pick<StoredFile, 'ownerId'>): Promise<boolean> {
    if (file.ownerId === user.id || user.role === 'admin') return true;
    if (user.role !== 'teacher') return false;
    const rows = await this.deps.sequelize.query(
      `SELECT 1 FROM users u
         JOIN classroom_teachers ct ON ct.classroom_id = u.classroom_id
        WHERE u.id = :ownerId AND u.deleted_at IS NULL AND ct.teacher_id = :teacherId
        LIMIT 1`,
      { replacements: { ownerId: file.ownerId, teacherId: user.id }, type: QueryTypes.SELECT },
    );
    return rows.length > 0;
  }

  /** The file if the user may read it; undefined otherwise (routes answer 404 either way). */
  async findReadable(user: Pick<AuthUser, 'id' | 'role'>, id: string): Promise<StoredFile | undefined> {
    const file = await StoredFile.findByPk(id);
    if (!file || !(await this.canRead(user, file))) return undefined;
    return file;
  }

  /** The storage a row's bytes are in (the driver may have changed since it was written). */
  storageOf(file: Pick<StoredFile, 'storageDriver'>): Storage {
    const storage = storageFor(file.storageDriver, this.deps.config, this.storage);
    if (!storage) throw new Error(`Storage driver ${file.storageDriver} is not configured in this process`);
    return storage;
  }

  toPublic(file: StoredFile): PublicFile {
    return toPublicFile(file);
  }
}

export function toPublicFile(file: StoredFile): PublicFile {
  const meta: FileMetadata = file.metadata;
  const summary: PublicFile['metadata'] = {};
  if (meta.width !== undefined) summary.width = meta.width;
  if (meta.height !== undefined) summary.height = meta.height;
  if (meta.entryCount !== undefined) summary.entryCount = meta.entryCount;
  if (meta.uncompressedBytes !== undefined) summary.uncompressedBytes = meta.uncompressedBytes;
  return {
    id: file.id,
    name: file.originalName,
    mimeType: file.mimeType,
    size: file.size,
    status: file.status,
    rejectionReason: file.rejectionReason ?? null,
    metadata: summary,
    url: fileUrl(file.id),
    thumbnailUrl: meta.thumbnailKey ? `${fileUrl(file.id)}/thumbnail` : null,
    createdAt: file.createdAt,
  };
}

function tooLarge(name: string, maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`${name} is larger than ${maxBytes} bytes`, { name, maxBytes });
}
