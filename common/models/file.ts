import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export const FILE_STATUSES = ['processing', 'ready', 'rejected'] as const;
export type FileStatus = (typeof FILE_STATUSES)[number];
export const STORAGE_DRIVERS = ['local', 'cloudinary'] as const;
export type StorageDriverName = (typeof STORAGE_DRIVERS)[number];

export interface ArchiveEntry {
  name: string;
  /** uncompressed size as the archive declares it */
  size: number;
  compressedSize: number;
  directory: boolean;
}

/** What the worker learned about the content; every key is optional because it depends on the type. */
export interface FileMetadata {
  width?: number;
  height?: number;
  /** storage key of the webp thumbnail, for images */
  thumbnailKey?: string;
  entries?: ArchiveEntry[];
  entryCount?: number;
  uncompressedBytes?: number;
  /** responsive WebP sizes of a published image (worker/files/variants.ts) */
  variants?: ImageVariant[];
}

export interface ImageVariant {
  /** the size asked for (320, 800, 1600); `actualWidth` is smaller when the image is */
  width: number;
  actualWidth: number;
  height: number;
  key: string;
}

/** An uploaded file (table `files`). Named `StoredFile` so it never shadows the DOM/undici `File`. */
export class StoredFile extends Model<InferAttributes<StoredFile>, InferCreationAttributes<StoredFile>> {
  declare id: CreationOptional<string>;
  declare ownerId: string;
  declare storageDriver: StorageDriverName;
  declare storageKey: string;
  declare originalName: string;
  declare mimeType: string;
  declare size: number;
  declare sha256: string;
  declare status: CreationOptional<FileStatus>;
  declare rejectionReason: CreationOptional<string | null>;
  declare metadata: CreationOptional<FileMetadata>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof StoredFile {
    StoredFile.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        ownerId: { type: DataTypes.UUID, allowNull: false },
        storageDriver: { type: DataTypes.STRING(20), allowNull: false },
        storageKey: { type: DataTypes.STRING(300), allowNull: false },
        originalName: { type: DataTypes.STRING(255), allowNull: false },
        mimeType: { type: DataTypes.STRING(127), allowNull: false },
        size: {
          type: DataTypes.BIGINT,
          allowNull: false,
          // pg returns bigint as a string; files are capped far below 2^53
          get(this: StoredFile) {
            return Number(this.getDataValue('size'));
          },
        },
        sha256: { type: DataTypes.CHAR(64), allowNull: false },
        status: { type: DataTypes.STRING(12), allowNull: false, defaultValue: 'processing' },
        rejectionReason: { type: DataTypes.STRING(500), allowNull: true },
        metadata: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'files' },
    );
    return StoredFile;
  }
}
