/**
 * Every way a row refers to a file, as SQL conditions on `f` (the `files` row). A file none of these
 * match is unreferenced. A feature that starts referring to files adds its condition here; the
 * cleanup test (test/uploads/cleanup.test.ts) proves each one keeps its file.
 */
export const FILE_REFERENCES: readonly string[] = [
  // a submission's files
  'EXISTS (SELECT 1 FROM submission_files sf WHERE sf.file_id = f.id)',
  // a profile picture points at the file's URL
  "EXISTS (SELECT 1 FROM users u WHERE u.avatar_url LIKE '%' || f.id::text || '%')",
  // images and attachments linked from an announcement's Markdown
  "EXISTS (SELECT 1 FROM announcements a WHERE a.content LIKE '%' || f.id::text || '%')",
  // an announcement's picture
  'EXISTS (SELECT 1 FROM announcements a WHERE a.image_file_id = f.id)',
  // a gallery picture, and anything published on the public path
  'EXISTS (SELECT 1 FROM gallery_items g WHERE g.file_id = f.id)',
  'EXISTS (SELECT 1 FROM published_files p WHERE p.file_id = f.id)',
];

export const referencedSql = () => `(${FILE_REFERENCES.join(' OR ')})`;
