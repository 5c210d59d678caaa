/** Web-lab check jobs carry ids only: the worker reads the version's files and the checks from the database. */
export type WebChecksJob = { kind: 'version'; versionId: string; recheckId?: string } | { kind: 'recheck'; recheckId: string };

/** BullMQ job ids may not contain `:`. Each check of a version (first or re-run) is a job of its own. */
export const webCheckJobId = (versionId: string, attempt: number) => `web-check-${versionId}-${attempt}`;
export const webRecheckJobId = (recheckId: string) => `web-recheck-${recheckId}`;
