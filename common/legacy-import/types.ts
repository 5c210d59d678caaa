/** What one run was asked to do (README.md#moving-from-the-old-gema). */
export type AdminsAs = 'admins' | 'teachers' | 'owners-are-teachers';
export type RunMode = 'import' | 'dry-run' | 'verify';

export interface ImportOptions {
  mode: RunMode;
  adminsAs: AdminsAs;
  /** queue imported coding submissions through today's grader instead of keeping the old outcome only */
  rejudge: boolean;
  /** the school year given to classrooms made from legacy class names, e.g. 2025/2026 */
  academicYear: string;
  /** where legacy local file paths are resolved; unset: only absolute paths are tried */
  filesRoot?: string;
  batchSize: number;
}

export interface EntityReport {
  entity: string;
  table: string;
  /** the table is absent from the legacy database, or lacks a column the mapping cannot do without */
  missing?: string;
  read: number;
  imported: number;
  updated: number;
  unchanged: number;
  skipped: Record<string, number>;
  warnings: Record<string, number>;
  /** rows a write run would import or update (dry run and verify) */
  pending: number;
  checksum?: {
    legacy: string;
    gema: string;
    rows: number;
    match: boolean;
    /** the first legacy ids whose key fields differ between the two sides */
    differing: string[];
  };
}

export interface ProbeReport {
  tablesFound: string[];
  tablesMissing: string[];
  extraTables: string[];
  columnsMissing: Record<string, string[]>;
  columnsExtra: Record<string, string[]>;
}

export interface NotImportedReport {
  table: string;
  rows: number;
  reason: string;
}

export interface ImportReport {
  mode: RunMode;
  options: Omit<ImportOptions, 'filesRoot'>;
  probe: ProbeReport;
  entities: EntityReport[];
  notImported: NotImportedReport[];
  /** every checksum compared and equal */
  consistent: boolean;
}

export interface ProgressEvent {
  entity: string;
  done: number;
  total: number;
}
export type ProgressListener = (event: ProgressEvent) => void;
