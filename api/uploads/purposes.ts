/**
 * What each upload purpose accepts: types by content (the files service sniffs them) and a size cap
 * under the global one. README.md#generic-upload-and-file-cleanup.
 */
export const UPLOAD_PURPOSES = {
  avatar: { types: ['png', 'jpg', 'webp'], maxBytes: 2 * 1024 * 1024 },
  'editor-image': { types: ['png', 'jpg', 'gif', 'webp'], maxBytes: 5 * 1024 * 1024 },
  attachment: {
    types: ['pdf', 'png', 'jpg', 'gif', 'webp', 'txt', 'md', 'csv', 'zip', 'docx', 'xlsx', 'pptx', 'odt', 'ods', 'odp'],
    maxBytes: 25 * 1024 * 1024,
  },
} as const satisfies Record<string, { types: readonly string[]; maxBytes: number }>;

export type UploadPurpose = keyof typeof UPLOAD_PURPOSES;
export const UPLOAD_PURPOSE_NAMES = Object.keys(UPLOAD_PURPOSES) as UploadPurpose[];
