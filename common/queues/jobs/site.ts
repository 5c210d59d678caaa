/**
 * The `site` queue: the school site's own timed work. `publish-announcement` is delayed until the
 * announcement's publish date.
 */
export type SiteJob = { kind: 'publish-announcement'; announcementId: string; publishAt: string };
