/** Web-lab check jobs carry ids only: the worker reads the version's files and the checks from the database. */
export type WebChecksJob = { kind: 'version'; versionId: string; recheckId?: string } | { kind: 'recheck'; recheckId: string };

export const webCheckJobId = (versionId: string, attempt = 0) => `web-check:${versionId}:${attempt}`;
export const webRecheckJobId = (recheckId: string) => `web-recheck:${recheckId}`;
