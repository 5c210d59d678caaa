/** An import run an admin started (README.md#moving-from-the-old-gema): the run row holds its options. */
export interface LegacyImportJob {
  runId: string;
}

export const legacyImportJobId = (runId: string) => `legacy-import-${runId}`;
