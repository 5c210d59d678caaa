/** A large student CSV import (README.md#admin-bulk-import-and-export): the file waits in `student_imports`. */
export interface StudentImportJob {
  importId: string;
}

export const studentImportJobId = (importId: string) => `student-import-${importId}`;
