import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { isAllowed, readFacts, sanitiseFilename, sniffType, type SniffedType } from '../../api/files/sniff';

/** A complete 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

describe('upload checks: names and real types', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gema-sniff-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const onDisk = (content: Buffer | string): string => {
    const file = path.join(dir, crypto.randomUUID());
    fs.writeFileSync(file, content);
    return file;
  };
  const sniff = async (name: string, content: Buffer | string) => {
    const file = onDisk(content);
    return sniffType(file, name, (await readFacts(file)).looksLikeText);
  };

  describe('file names', () => {
    it('keeps only the last path segment, whichever separator', () => {
      expect(sanitiseFilename('../../etc/passwd')).to.equal('passwd');
      expect(sanitiseFilename('C:\\Users\\ayu\\tugas.py')).to.equal('tugas.py');
    });

    it('removes control and bidi-override characters, so a name cannot pretend another extension', () => {
      expect(sanitiseFilename('invoice\u202Efdp.exe')).to.equal('invoicefdp.exe');
      expect(sanitiseFilename('a\u0000b\nc.txt')).to.equal('abc.txt');
    });

    it('replaces characters Windows refuses with an underscore', () => {
      expect(sanitiseFilename('what? "now" <a>|b*.txt')).to.equal('what_ _now_ _a__b_.txt');
    });

    it('drops leading dots, so nothing becomes a hidden file', () => {
      expect(sanitiseFilename('...bashrc')).to.equal('bashrc');
    });

    it('shortens a long name to 200 characters, keeping the extension', () => {
      const name = sanitiseFilename(`${'a'.repeat(300)}.pdf`);
      expect(name).to.have.length(200);
      expect(name.endsWith('.pdf')).to.equal(true);
    });

    it('calls a name with nothing left "file"', () => {
      expect(sanitiseFilename('...')).to.equal('file');
      expect(sanitiseFilename('dir/')).to.equal('file');
    });

    it('keeps non-ASCII letters, in composed form', () => {
      expect(sanitiseFilename('cafe\u0301.txt')).to.equal('café.txt');
    });
  });

  describe('content facts', () => {
    it('hashes and measures the bytes on disk', async () => {
      const content = Buffer.from(`halo ${crypto.randomUUID()}`);
      const facts = await readFacts(onDisk(content));
      expect(facts).to.deep.equal({
        sha256: crypto.createHash('sha256').update(content).digest('hex'),
        size: content.length,
        looksLikeText: true,
      });
    });

    it('takes UTF-8 with a byte-order mark for text', async () => {
      expect((await readFacts(onDisk(Buffer.from('\ufeffprint("ok")\n')))).looksLikeText).to.equal(true);
    });

    it('does not take a NUL byte or invalid UTF-8 for text', async () => {
      expect((await readFacts(onDisk(Buffer.from('abc\0def')))).looksLikeText).to.equal(false);
      expect((await readFacts(onDisk(Buffer.from([0x68, 0x69, 0xc3, 0x28])))).looksLikeText).to.equal(false);
    });

    it('does not take text cut in the middle of a character for text', async () => {
      expect((await readFacts(onDisk(Buffer.from('caf\u00e9').subarray(0, 4)))).looksLikeText).to.equal(false);
    });
  });

  describe('real type', () => {
    it('believes the magic bytes over the name', async () => {
      expect(await sniff('homework.txt', PNG)).to.deep.equal({
        ext: 'png',
        mime: 'image/png',
        text: false,
      });
    });

    it('takes the text format from the name when the content is text', async () => {
      expect(await sniff('main.py', 'print(1)\n')).to.deep.equal({ ext: 'py', mime: 'text/x-python', text: true });
    });

    it('takes text without an extension for plain text', async () => {
      expect(await sniff('README', 'hello\n')).to.deep.equal({ ext: 'txt', mime: 'text/plain', text: true });
    });

    it('keeps an SVG with an XML prolog an SVG', async () => {
      const svg = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>';
      expect(await sniff('logo.svg', svg)).to.deep.equal({ ext: 'svg', mime: 'image/svg+xml', text: true });
    });

    it('knows nothing of binary content without a signature', async () => {
      expect(await sniff('data.bin', Buffer.from([0, 1, 2, 3, 0, 255, 254]))).to.equal(undefined);
    });

    it('knows nothing of text under an extension that is no known text format', async () => {
      expect(await sniff('notes.xyz', 'hello\n')).to.equal(undefined);
    });
  });

  describe('allow-lists', () => {
    const png: SniffedType = { ext: 'png', mime: 'image/png', text: false };
    const jpg: SniffedType = { ext: 'jpg', mime: 'image/jpeg', text: false };

    it('matches an extension however it is written', () => {
      expect(isAllowed(png, ['PDF', '.PNG'])).to.equal(true);
    });

    it('matches the other spelling of an extension', () => {
      expect(isAllowed(jpg, ['jpeg'])).to.equal(true);
    });

    it('matches an exact MIME type or a family', () => {
      expect(isAllowed(png, ['image/png'])).to.equal(true);
      expect(isAllowed(png, ['image/*'])).to.equal(true);
    });

    it('refuses what the list does not name', () => {
      expect(isAllowed(png, ['pdf', 'application/pdf', 'text/*'])).to.equal(false);
    });

    it('ignores blank entries', () => {
      expect(isAllowed(png, ['', '  '])).to.equal(false);
    });
  });
});
