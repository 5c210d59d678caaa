import { expect } from 'chai';
import yazl from 'yazl';
import { extractZip } from '../../common/web-lab/archive';
import { lyingArchive, makeZip, overlappingArchive, zipSlipArchive } from '../support/zips';

const LIMITS = { maxFiles: 3, maxBytes: 64 * 1024 };

async function refusal(promise: Promise<unknown>): Promise<{ status: number; code: string; message: string; details?: unknown }> {
  try {
    await promise;
  } catch (err) {
    return err as { status: number; code: string; message: string; details?: unknown };
  }
  throw new Error('expected the archive to be refused');
}

function withDirectory(): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addEmptyDirectory('css/', { mtime: new Date(2026, 0, 1) });
  zip.addBuffer(Buffer.from('body{}'), 'css/site.css', { mtime: new Date(2026, 0, 1) });
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

describe('web lab project archive', () => {
  it('extracts text files as UTF-8 and other files as base64, under normalised paths', async () => {
    const files = await extractZip(
      await makeZip([
        { name: './index.html', data: Buffer.from('<h1>Halo</h1>') },
        { name: 'img/dot.png', data: Buffer.from([0x89, 0x50, 0x4e, 0x47]) },
      ]),
      LIMITS,
    );
    expect(files).to.deep.equal([
      { path: 'index.html', encoding: 'utf8', content: '<h1>Halo</h1>' },
      { path: 'img/dot.png', encoding: 'base64', content: 'iVBORw==' },
    ]);
  });

  it('skips directory entries and does not count them as files', async () => {
    const files = await extractZip(await withDirectory(), { maxFiles: 1, maxBytes: 1024 });
    expect(files.map((f) => f.path)).to.deep.equal(['css/site.css']);
  });

  it('refuses more files than a project holds with 400 TOO_MANY_FILES', async () => {
    const items = ['a.html', 'b.css', 'c.js', 'd.txt'].map((name) => ({ name, data: Buffer.from('x') }));
    const err = await refusal(extractZip(await makeZip(items), LIMITS));
    expect(err).to.include({ status: 400, code: 'TOO_MANY_FILES' });
  });

  it('refuses an archive with more entries than even directories explain with 400 TOO_MANY_FILES', async () => {
    const items = Array.from({ length: 5 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.from('x') }));
    const err = await refusal(extractZip(await makeZip(items), { maxFiles: 1, maxBytes: 1024 }));
    expect(err).to.include({ status: 400, code: 'TOO_MANY_FILES', message: 'A project holds at most 1 files' });
  });

  it('refuses content beyond the byte cap with 413 naming the file', async () => {
    const err = await refusal(extractZip(await makeZip([{ name: './big.txt', data: Buffer.alloc(2048, 0x61) }]), { maxFiles: 3, maxBytes: 1024 }));
    expect(err).to.include({ status: 413 });
    expect(err.message).to.equal('The archive expands beyond 1024 bytes');
    expect(err.details).to.deep.equal({ path: 'big.txt' });
  });

  it('refuses an entry that inflates past what its header declares with 413', async () => {
    const err = await refusal(extractZip(await lyingArchive(20_000, 100), LIMITS));
    expect(err).to.include({ status: 413 });
    expect(err.message).to.match(/^The archive expands far beyond what it holds: .*zip bomb/);
  });

  it('refuses an entry that climbs out of the project with 400 INVALID_PATH', async () => {
    const err = await refusal(extractZip(await zipSlipArchive(), LIMITS));
    expect(err).to.include({ status: 400, code: 'INVALID_PATH' });
    expect(err.message).to.contain('../evil.sh');
  });

  it('refuses entries that share their data with 400 INVALID_ARCHIVE', async () => {
    const err = await refusal(extractZip(await overlappingArchive(), LIMITS));
    expect(err).to.include({ status: 400, code: 'INVALID_ARCHIVE' });
  });

  it('refuses bytes that are not a ZIP archive with 400 INVALID_ARCHIVE, in a sentence', async () => {
    const err = await refusal(extractZip(Buffer.from('PK\u0003\u0004 not really'), LIMITS));
    expect(err).to.include({ status: 400, code: 'INVALID_ARCHIVE' });
    expect(err.message).to.match(/^Not a readable/);
  });

  it('refuses a name that is only unsafe by the project rules (a control character) with 400 INVALID_PATH', async () => {
    const err = await refusal(extractZip(await makeZip([{ name: 'a\u0007b.txt', data: Buffer.from('x') }]), LIMITS));
    expect(err).to.include({ status: 400, code: 'INVALID_PATH' });
  });
});
