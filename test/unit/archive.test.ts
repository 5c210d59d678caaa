import crypto from 'node:crypto';
import { expect } from 'chai';
import yazl from 'yazl';
import { inspectZip, unsafeEntryName, ZIP_LIMITS, type ZipLimits } from '../../worker/files/archive';
import { inspectZip as inspectShared } from '../../common/archive/zip';
import { lyingArchive, makeZip, overlappingArchive, zipSlipArchive } from '../support/zips';

/** Limits scaled down so each rule is crossed with kilobytes rather than the real 100 MB. */
const SMALL: ZipLimits = { maxEntries: 3, maxUncompressedBytes: 64 * 1024, maxEntryBytes: 48 * 1024, maxRatio: 100, ratioMinBytes: 16 * 1024 };

const text = (name: string, body = `contents of ${name}\n`) => ({ name, data: Buffer.from(body) });
const reasonFor = async (zip: Buffer, limits: ZipLimits = ZIP_LIMITS): Promise<string> => {
  const verdict = await inspectZip(zip, limits);
  if (verdict.ok) throw new Error('expected the archive to be refused');
  return verdict.reason;
};

describe('archive checks (ZIP entries)', () => {
  describe('entry names', () => {
    for (const name of ['src/main.py', 'src/', 'notes..txt', 'a/..b/c', 'README']) {
      it(`lets "${name}" through`, () => {
        expect(unsafeEntryName(name)).to.equal(undefined);
      });
    }

    for (const name of ['../evil.sh', 'src/../../evil.sh', '..']) {
      it(`refuses "${name}" for its ".." segment`, () => {
        expect(unsafeEntryName(name)).to.equal('has a ".." segment');
      });
    }

    for (const name of ['/etc/passwd', 'C:/Windows/evil.dll', 'c:evil.txt']) {
      it(`refuses "${name}" as an absolute path`, () => {
        expect(unsafeEntryName(name)).to.equal('is an absolute path');
      });
    }

    it('refuses a backslash, which Windows tools take for a separator', () => {
      expect(unsafeEntryName('src\\..\\evil.sh')).to.equal('contains a backslash');
    });

    it('refuses a NUL byte, which cuts the name short in C', () => {
      expect(unsafeEntryName('evil.sh\0.txt')).to.equal('contains a NUL byte');
    });
  });

  describe('a whole archive', () => {
    it('lists the entries of a normal archive with their sizes', async () => {
      const verdict = await inspectZip(await makeZip([text('src/main.py', 'print(1)\n'), text('README.md', '# Tugas\n')]));
      expect(verdict).to.deep.include({ ok: true, uncompressedBytes: 17 });
      if (!verdict.ok) return;
      expect(verdict.entries.map((e) => [e.name, e.size, e.directory])).to.deep.equal([
        ['src/main.py', 9, false],
        ['README.md', 8, false],
      ]);
    });

    it('marks a directory entry as a directory', async () => {
      const zip = new yazl.ZipFile();
      zip.addEmptyDirectory('src/', { mtime: new Date(2026, 0, 1) });
      zip.addBuffer(Buffer.from('print(1)\n'), 'src/main.py');
      zip.end();
      const chunks: Buffer[] = [];
      for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
      const verdict = await inspectZip(Buffer.concat(chunks));
      expect(verdict.ok && verdict.entries.map((e) => [e.name, e.directory])).to.deep.equal([
        ['src/', true],
        ['src/main.py', false],
      ]);
    });

    it('refuses an entry that climbs out of the target directory, naming it', async () => {
      // yauzl's own name check may speak first; either way the name and the reason are given
      const reason = await reasonFor(await zipSlipArchive('../evil.sh'));
      expect(reason).to.include('../evil.sh').and.include('(zip slip)');
    });

    for (const name of ['/tmp/evil.sh', 'C:/evil.sh']) {
      it(`refuses an entry at an absolute path (${name})`, async () => {
        const reason = await reasonFor(await zipSlipArchive(name));
        expect(reason).to.include(name).and.include('absolute path').and.include('(zip slip)');
      });
    }

    it('accepts as many entries as the limit allows', async () => {
      const verdict = await inspectZip(await makeZip([text('a'), text('b'), text('c')]), SMALL);
      expect(verdict.ok).to.equal(true);
    });

    it('refuses one entry more than the limit, before reading any', async () => {
      const zip = await makeZip([text('a'), text('b'), text('c'), text('d')]);
      expect(await reasonFor(zip, SMALL)).to.equal('the archive has 4 entries; at most 3 are allowed');
    });

    it('refuses an archive whose entries together expand beyond the limit, though none is a bomb alone', async () => {
      // random bytes do not compress: no ratio rule fires, only the total
      const noise = () => crypto.randomBytes(15 * 1024);
      const zip = await makeZip([1, 2, 3, 4, 5].map((i) => ({ name: `part${i}.bin`, data: noise() })));
      expect(await reasonFor(zip, { ...SMALL, maxEntries: 10 })).to.equal(`the archive expands to more than ${64 * 1024} bytes`);
    });

    it('refuses an entry that expands beyond the ratio limit (zip bomb)', async () => {
      const zip = await makeZip([{ name: 'zeros.bin', data: Buffer.alloc(48 * 1024) }]);
      expect(await reasonFor(zip, SMALL)).to.match(/^entry "zeros.bin" expands \d+:1 \(zip bomb\)$/);
    });

    it('lets a small entry compress as well as it likes', async () => {
      const zip = await makeZip([{ name: 'spaces.txt', data: Buffer.alloc(8 * 1024, ' ') }]);
      expect((await inspectZip(zip, SMALL)).ok).to.equal(true);
    });

    it('refuses entries that share their data (the overlapping-entry bomb)', async () => {
      expect(await reasonFor(await overlappingArchive())).to.equal('entry "b.txt" shares its data with another entry (overlapping-entry zip bomb)');
    });

    it('refuses an entry whose header declares 1,000 bytes but which inflates to 200 MB, counting real bytes', async () => {
      const reason = await reasonFor(await lyingArchive(200 * 1024 * 1024, 1000));
      expect(reason).to.equal('entry "notes.txt" inflates to more than the 1000 bytes its header declares (zip bomb)');
    });

    it('refuses a lying entry whatever limits apply, since the real bytes decide', async () => {
      const reason = await reasonFor(await lyingArchive(40 * 1024, 1000), { ...SMALL, maxRatio: 1e9 });
      expect(reason).to.match(/^entry "notes.txt" inflates to more than the 1000 bytes/);
    });

    it('refuses one entry beyond the per-entry cap although the archive stays within its total', async () => {
      const zip = await makeZip([{ name: 'big.bin', data: crypto.randomBytes(50 * 1024) }]);
      expect(await reasonFor(zip, SMALL)).to.equal(`entry "big.bin" expands to more than ${48 * 1024} bytes`);
    });

    it('reports the sizes the entries really inflated to', async () => {
      const verdict = await inspectZip(await makeZip([{ name: 'noise.bin', data: crypto.randomBytes(20 * 1024) }]), SMALL);
      expect(verdict.ok && verdict.entries.map((e) => e.size)).to.deep.equal([20 * 1024]);
    });

    it('refuses bytes that only start like a ZIP archive', async () => {
      const fake = Buffer.concat([Buffer.from('504b0304', 'hex'), Buffer.alloc(300, 7)]);
      expect(await reasonFor(fake)).to.match(/^not a readable ZIP archive: /);
    });

    it('refuses an archive cut short before its central directory', async () => {
      const zip = await makeZip([text('a.txt'), text('b.txt')]);
      expect(await reasonFor(zip.subarray(0, zip.length - 30))).to.match(/^not a readable ZIP archive: /);
    });
  });
});

describe('the shared ZIP inspector and its callbacks', () => {
  const LIMITS = { maxEntries: 10, maxUncompressedBytes: 64 * 1024, maxEntryBytes: 64 * 1024, maxRatio: 100, ratioMinBytes: 16 * 1024 };

  it("lets what a caller's callback throws out as it is, even when it is not an Error object", async () => {
    let thrown: unknown;
    try {
      await inspectShared(await makeZip([text('a.txt')]), LIMITS, {
        onEntry: () => {
          throw 'stop here';
        },
      });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).to.equal('stop here');
  });

  it("lets a caller's Error out as it is from the data callback", async () => {
    const mine = new RangeError('enough');
    let thrown: unknown;
    try {
      await inspectShared(await makeZip([text('a.txt')]), LIMITS, {
        onData: () => {
          throw mine;
        },
      });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).to.equal(mine);
  });
});
