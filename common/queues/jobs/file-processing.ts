export interface FileProcessingJob {
  fileId: string;
}
