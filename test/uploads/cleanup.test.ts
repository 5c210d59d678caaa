import { expect } from 'chai';
import { createLogger } from '../../common/logger';
import { apiDeps, testConfig } from '../support/deps';
import { createClassroom, createUser } from '../support/factories';
import { Announcement, Assignment, GalleryItem, StoredFile, Submission, SubmissionFile, User } from '../../common/models';
import { FileService } from '../../api/files/service';
import { StorageObjectMissingError } from '../../common/storage';
import { cleanupUnreferencedFiles } from '../../worker/file-cleanup';
import { FILE_CLEANUP_SCHEDULER, createSiteProcessor } from '../../worker/site';
import { testWorkerDeps } from '../support/deps';
import { asUpload, realPng } from '../files/fixtures';

describe('cleanup of unreferenced files', () => {
  const config = testConfig();
  let files: FileService;
  let owner: User;
  let counter = 0;

  before(async () => {
    files = new FileService(apiDeps());
    owner = await createUser({ role: 'student' });
  });

  /** A stored file whose grace period ran out (or not), with a thumbnail object as processing leaves. */
  const contentOf = (n: number) => Buffer.from(`file ${n} of ${owner.id}\n`);
  const storedFile = async (ageHours: number): Promise<StoredFile> => {
    counter += 1;
    const file = await files.store({
      ownerId: owner.id,
      upload: asUpload(`f${counter}.txt`, contentOf(counter)),
      allowedTypes: ['txt'],
      maxBytes: 1024,
    });
    const thumbnailKey = `${file.storageKey}.thumb.webp`;
    await files.storage.put(thumbnailKey, await realPng(8, 8), 'image/webp');
    await apiDeps().sequelize.query(`UPDATE files SET metadata = :meta::jsonb, updated_at = now() - make_interval(hours => :h) WHERE id = :id`, {
      replacements: { id: file.id, h: ageHours, meta: JSON.stringify({ thumbnailKey }) },
    });
    return (await StoredFile.findByPk(file.id))!;
  };

  const exists = async (key: string) => {
    try {
      (await files.storage.get(key)).destroy();
      return true;
    } catch (err) {
      if (err instanceof StorageObjectMissingError) return false;
      throw err;
    }
  };

  const cleanup = () => cleanupUnreferencedFiles({ config, logger: createLogger(config, 'test'), storage: files.storage });

  it('removes an unreferenced file past the grace period, row, bytes and thumbnail', async () => {
    const file = await storedFile(25);
    await cleanup();
    expect(await StoredFile.findByPk(file.id)).to.equal(null);
    expect(await exists(file.storageKey)).to.equal(false);
    expect(await exists(file.metadata.thumbnailKey!)).to.equal(false);
  });

  it('removes the row of a file kept by a storage driver this worker cannot reach, counting its bytes as not deleted', async () => {
    const file = await storedFile(25);
    await apiDeps().sequelize.query(`UPDATE files SET storage_driver = 'cloudinary' WHERE id = :id`, { replacements: { id: file.id } });
    const result = await cleanup();
    expect(result.storageErrors).to.be.at.least(1);
    expect(await StoredFile.findByPk(file.id)).to.equal(null);
    // the bytes stay where this worker cannot see them; here the local copy is simply left
    expect(await exists(file.storageKey)).to.equal(true);
  });

  it('keeps an unreferenced file still within the grace period', async () => {
    const file = await storedFile(23);
    await cleanup();
    expect(await StoredFile.findByPk(file.id)).not.to.equal(null);
    expect(await exists(file.storageKey)).to.equal(true);
  });

  it("never removes a submission's file", async () => {
    const file = await storedFile(1000);
    const classroom = await createClassroom();
    const assignment = await Assignment.create({
      classroomId: classroom.id,
      title: 'Tugas',
      kind: 'file',
      dueAt: new Date(),
      maxPoints: 100,
    } as never);
    const submission = await Submission.create({
      assignmentId: assignment.id,
      studentId: owner.id,
      attempt: 1,
      status: 'submitted',
      submittedAt: new Date(),
    } as never);
    await SubmissionFile.create({ submissionId: submission.id, fileId: file.id } as never);
    await cleanup();
    expect(await StoredFile.findByPk(file.id)).not.to.equal(null);
    expect(await exists(file.storageKey)).to.equal(true);
  });

  it('never removes a file used as a profile picture', async () => {
    const file = await storedFile(1000);
    const user = await createUser();
    await user.update({ avatarUrl: `https://api.gema.sch.id/api/v2/files/${file.id}` });
    await cleanup();
    expect(await StoredFile.findByPk(file.id)).not.to.equal(null);
  });

  it("never removes a file linked from an announcement's Markdown", async () => {
    const file = await storedFile(1000);
    await Announcement.create({
      title: 'Foto',
      content: `![lab](/api/v2/files/${file.id})`,
      contentHtml: '',
      category: 'event',
    });
    await cleanup();
    expect(await StoredFile.findByPk(file.id)).not.to.equal(null);
  });

  it("never removes an announcement's picture", async () => {
    const file = await storedFile(1000);
    await Announcement.create({ title: 'Poster', content: 'x', contentHtml: '', category: 'event', imageFileId: file.id });
    await cleanup();
    expect(await StoredFile.findByPk(file.id)).not.to.equal(null);
  });

  it('never removes a gallery picture', async () => {
    const file = await storedFile(1000);
    await GalleryItem.create({ title: 'Lab', fileId: file.id });
    await cleanup();
    expect(await StoredFile.findByPk(file.id)).not.to.equal(null);
  });

  it('removes the responsive sizes with the file', async () => {
    const file = await storedFile(25);
    const key = `${file.storageKey}.w320.webp`;
    await files.storage.put(key, await realPng(8, 8), 'image/webp');
    await file.update({ metadata: { ...file.metadata, variants: [{ width: 320, actualWidth: 8, height: 8, key }] } });
    await apiDeps().sequelize.query("UPDATE files SET updated_at = now() - interval '25 hours' WHERE id = :id", { replacements: { id: file.id } });
    await cleanup();
    expect(await exists(key)).to.equal(false);
  });

  it('restarts the grace period when the same content is uploaded again', async () => {
    const file = await storedFile(1000);
    const again = await files.store({ ownerId: owner.id, upload: asUpload('same.txt', contentOf(counter)), allowedTypes: ['txt'], maxBytes: 1024 });
    expect(again.id).to.equal(file.id);
    await cleanup();
    expect(await StoredFile.findByPk(file.id)).not.to.equal(null);
  });

  it('is scheduled on the site queue when the worker starts', async () => {
    const deps = testWorkerDeps();
    await createSiteProcessor(deps);
    const schedulers = await deps.queues.site.getJobSchedulers();
    const scheduler = schedulers.find((s) => s.key === FILE_CLEANUP_SCHEDULER);
    expect(Number(scheduler?.every)).to.equal(config.site.fileCleanupEveryMs);
  });
});
