import { expect } from 'chai';
import { CsvFormatError, parseStudentCsv } from '../../common/people/student-csv';

const refusal = (text: string, maxRows = 10): string => {
  try {
    parseStudentCsv(text, maxRows);
  } catch (err) {
    expect(err).to.be.instanceOf(CsvFormatError);
    return (err as Error).message;
  }
  throw new Error('the CSV was accepted');
};

describe('student CSV reading', () => {
  it('reads Indonesian headers separated by semicolons, with a BOM, and lower-cases emails', () => {
    const rows = parseStudentCsv('\uFEFFNama;NIS;E-Mail;Kelas\r\nBudi;1001;Budi@Sekolah.ID;XI RPL 1\r\n', 10);
    expect(rows).to.deep.equal([{ line: 2, name: 'Budi', nis: '1001', email: 'budi@sekolah.id', classroom: 'XI RPL 1' }]);
  });

  it('stores empty cells as none and a short row as missing its last fields', () => {
    const rows = parseStudentCsv('name,nis,email,classroom\nAni,,ani@test.id\n', 10);
    expect(rows).to.deep.equal([{ line: 2, name: 'Ani', nis: null, email: 'ani@test.id', classroom: null }]);
  });

  it('ignores columns it does not know', () => {
    const rows = parseStudentCsv('name,hobby,nis\nCitra,chess,2002\n', 10);
    expect(rows).to.deep.equal([{ line: 2, name: 'Citra', nis: '2002', email: null, classroom: null }]);
  });

  it('numbers each row by the line it starts on, a quoted newline included', () => {
    const rows = parseStudentCsv('name,nis\n"Dewi\nSari",3003\n\nEko,3004', 10);
    expect(rows.map((r) => [r.line, r.name])).to.deep.equal([
      [2, 'Dewi\nSari'],
      [5, 'Eko'],
    ]);
  });

  it('refuses an empty file', () => {
    expect(refusal('')).to.equal('The file is empty');
  });

  it('refuses a header without a name column', () => {
    expect(refusal('nis,email\n1,a@b.c\n')).to.equal('The header has no "name" column');
  });

  it('refuses a header with neither a NIS nor an email column', () => {
    expect(refusal('name,classroom\nAni,X\n')).to.equal('The header needs a "nis" or an "email" column');
  });

  it('refuses more rows than the limit rather than reading only the first ones', () => {
    expect(refusal('name,nis\nA,1\nB,2\nC,3\n', 2)).to.equal('The file has more than 2 rows');
  });

  it('reads a file with exactly as many rows as the limit', () => {
    expect(parseStudentCsv('name,nis\nA,1\nB,2\n', 2).map((r) => r.name)).to.deep.equal(['A', 'B']);
  });

  it('refuses text that is not valid CSV, saying why', () => {
    expect(refusal('name,nis\n"Ani,1\n')).to.match(/^The file is not valid CSV: /);
  });
});
