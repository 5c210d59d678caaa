import { expect } from 'chai';
import { isTextPath, normalisePath, validateTree } from '../../common/web-lab/file-tree';
import type { WebFile } from '../../common/web-lab/types';

const f = (path: string, content = 'x'): WebFile => ({ path, encoding: 'utf8', content });
const LIMITS = { maxFiles: 3, maxBytes: 10 };

describe('web lab file tree', () => {
  it('normalises dot segments and repeated slashes', () => {
    expect(normalisePath('./css//style.css')).to.equal('css/style.css');
  });

  for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'C:/x', 'a\\b', 'a\u0000b', 'a\nb', '', './']) {
    it(`refuses ${JSON.stringify(bad)} with a 400 naming it`, () => {
      expect(() => normalisePath(bad))
        .to.throw()
        .that.deep.include({ status: 400, code: 'INVALID_PATH', details: { path: bad } });
    });
  }

  it('refuses two files that normalise to one path, naming the second', () => {
    expect(() => validateTree([f('a.css'), f('./a.css')], LIMITS))
      .to.throw()
      .that.deep.include({ details: { path: './a.css' } });
  });

  it('counts decoded bytes, not base64 characters', () => {
    const eightBytes = Buffer.alloc(8).toString('base64'); // 12 characters
    expect(validateTree([{ path: 'a.png', encoding: 'base64', content: eightBytes }], LIMITS)).to.have.length(1);
  });

  it('refuses more bytes than the cap with 413', () => {
    expect(() => validateTree([f('a.txt', '123456'), f('b.txt', '123456')], LIMITS))
      .to.throw()
      .that.deep.include({ status: 413 });
  });

  it('refuses more files than the cap', () => {
    expect(() => validateTree([f('a'), f('b'), f('c'), f('d')], LIMITS))
      .to.throw()
      .that.deep.include({ code: 'TOO_MANY_FILES' });
  });

  it('sorts the tree by path', () => {
    expect(validateTree([f('b.css'), f('a.html')], LIMITS).map((x) => x.path)).to.deep.equal(['a.html', 'b.css']);
  });

  it('refuses a path longer than 200 characters', () => {
    expect(() => normalisePath(`${'a'.repeat(201)}.css`))
      .to.throw()
      .that.deep.include({ code: 'INVALID_PATH' })
      .and.has.property('message')
      .that.contains('longer than 200 characters');
  });

  it('refuses base64 content that is not base64, naming the file', () => {
    expect(() => validateTree([{ path: 'a.png', encoding: 'base64', content: 'not base64!' }], LIMITS))
      .to.throw()
      .that.deep.include({ code: 'INVALID_PATH', details: { path: 'a.png' } });
  });

  it('treats a file without an extension as binary and a known extension in any case as text', () => {
    expect(isTextPath('LICENSE')).to.equal(false);
    expect(isTextPath('INDEX.HTML')).to.equal(true);
  });
});
