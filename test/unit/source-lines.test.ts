import { expect } from 'chai';
import { countLines, scanLines } from '../../worker/ai/metrics/source-lines';

const codeOf = (source: string, style: 'c' | 'python') => scanLines(source, style).map((l) => l.code);
const commentFlags = (source: string, style: 'c' | 'python') => scanLines(source, style).map((l) => l.hasComment);

describe('source lines for the line-based metrics', () => {
  describe('C-style sources', () => {
    it('drops a line comment and marks the line as commented', () => {
      const [line] = scanLines('int x = 1; // one', 'c');
      expect(line).to.include({ code: 'int x = 1; ', hasComment: true, continuation: false });
    });

    it('drops a block comment across lines and keeps the code after it closes', () => {
      expect(codeOf('a();\n/* start\n still */ b();', 'c')).to.deep.equal(['a();', '', ' b();']);
      expect(commentFlags('a();\n/* start\n still */ b();', 'c')).to.deep.equal([false, true, true]);
    });

    it('reduces strings to "" so comment markers and quotes inside them count for nothing', () => {
      expect(codeOf('s = "a // not a comment \\" still";', 'c')).to.deep.equal(['s = "";']);
      expect(codeOf("c = '\\'';", 'c')).to.deep.equal(['c = "";']);
    });

    it('keeps a template literal open across lines', () => {
      expect(codeOf('t = `one\n// two\nthree`;', 'c')).to.deep.equal(['t = ""', '', ';']);
    });

    it('ends an unterminated string with its line', () => {
      expect(codeOf('s = "open\nnext();', 'c')).to.deep.equal(['s = ""', 'next();']);
    });

    it('reads Windows line endings and ignores the final newline', () => {
      expect(scanLines('a();\r\nb();\r\n', 'c').map((l) => [l.number, l.raw])).to.deep.equal([
        [1, 'a();'],
        [2, 'b();'],
      ]);
    });
  });

  describe('Python sources', () => {
    it('drops a # comment', () => {
      const [line] = scanLines('x = 1  # one', 'python');
      expect(line).to.include({ code: 'x = 1  ', hasComment: true });
    });

    it('counts a docstring standing where a statement starts as comment lines, not code', () => {
      const source = 'def f():\n    """Doc\n    more\n    """\n    return 1';
      expect(commentFlags(source, 'python')).to.deep.equal([false, true, true, true, false]);
      expect(codeOf(source, 'python')[1]!.trim()).to.equal('');
    });

    it('counts a triple-quoted string inside an expression as code', () => {
      expect(codeOf("x = '''a\nb''' + y", 'python')).to.deep.equal(['x = ""', ' + y']);
      expect(commentFlags("x = '''a\nb''' + y", 'python')).to.deep.equal([false, false]);
    });

    it('skips an escaped quote inside a triple-quoted string', () => {
      expect(codeOf('x = """a \\""" b""" + 1', 'python')).to.deep.equal(['x = "" + 1']);
    });

    it('marks the lines inside open brackets as continuations, and not after they close', () => {
      const lines = scanLines('total = (1 +\n   2)\nprint(total)', 'python');
      expect(lines.map((l) => l.continuation)).to.deep.equal([false, true, false]);
    });

    it('marks the line after a trailing backslash as a continuation', () => {
      const lines = scanLines('x = 1 + \\\n    2\ny = 3', 'python');
      expect(lines.map((l) => l.continuation)).to.deep.equal([false, true, false]);
    });

    it('ignores a closing bracket with none open', () => {
      const lines = scanLines(')\nx = 1', 'python');
      expect(lines.map((l) => l.continuation)).to.deep.equal([false, false]);
    });
  });

  it('counts a line with code and a comment in both, and blank lines apart', () => {
    expect(countLines(scanLines('a(); // why\n\n// only\nb();', 'c'))).to.deep.equal({ total: 4, code: 2, comment: 2, blank: 1 });
  });
});
