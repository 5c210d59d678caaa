export interface FileProcessingJob {
  fileId: string;
  /** make the responsive WebP sizes of an image being published (worker/files/variants.ts) */
  variants?: boolean;
}
