/**
 * The `site` queue: the school site's own timed work. `publish-announcement` is delayed until the
 * announcement's publish date; `cleanup-files` is repeated by a job scheduler the worker sets up.
 */
export type SiteJob = { kind: 'publish-announcement'; announcementId: string; publishAt: string } | { kind: 'cleanup-files' };
