import { expect } from 'chai';
import { parse } from 'content-disposition';
import { contentDisposition, contentType, isInlineType } from '../../api/files/headers';

describe('file download headers', () => {
  describe('Content-Disposition', () => {
    const roundTrip = (name: string) => parse(contentDisposition('attachment', name)).parameters.filename;

    it('says inline or attachment as asked', () => {
      expect(parse(contentDisposition('inline', 'a.pdf')).type).to.equal('inline');
      expect(parse(contentDisposition('attachment', 'a.pdf')).type).to.equal('attachment');
    });

    for (const name of ['Laporan Praktikum.pdf', 'tugas – akhir.txt', 'café.txt', '日本語.md', 'say "hi".txt', 'back\\slash.txt', 'semi;colon.txt']) {
      it(`gives a client back exactly the name ${JSON.stringify(name)}`, () => {
        expect(roundTrip(name)).to.equal(name);
      });
    }

    it('sends a plain ASCII name once, without a filename* copy', () => {
      expect(contentDisposition('inline', 'Laporan Praktikum.pdf')).to.equal('inline; filename="Laporan Praktikum.pdf"');
    });

    it('puts a non-ASCII name in filename* and an ASCII stand-in with underscores in filename', () => {
      expect(contentDisposition('inline', 'tugas – akhir.txt')).to.equal(
        `inline; filename="tugas _ akhir.txt"; filename*=UTF-8''tugas%20%E2%80%93%20akhir.txt`,
      );
    });

    it('keeps a name from ending the header or starting a new parameter', () => {
      const header = contentDisposition('attachment', 'x"; filename="evil.html');
      expect(parse(header).parameters).to.deep.equal({ filename: 'x"; filename="evil.html' });
    });
  });

  describe('what may show inline', () => {
    for (const mime of ['image/png', 'image/jpeg', 'application/pdf', 'text/plain']) {
      it(`shows ${mime} inline`, () => {
        expect(isInlineType(mime)).to.equal(true);
      });
    }

    for (const mime of ['text/html', 'image/svg+xml', 'application/xml', 'text/javascript', 'application/zip']) {
      it(`never shows ${mime} inline`, () => {
        expect(isInlineType(mime)).to.equal(false);
      });
    }
  });

  describe('Content-Type', () => {
    it('names UTF-8 for text and JSON', () => {
      expect(contentType('text/plain')).to.equal('text/plain; charset=utf-8');
      expect(contentType('application/json')).to.equal('application/json; charset=utf-8');
    });

    it('leaves binary types alone', () => {
      expect(contentType('image/png')).to.equal('image/png');
    });
  });
});
