import { expect } from 'chai';
import { measureCode } from '../../worker/ai/metrics';
import { staticReview, THRESHOLDS } from '../../worker/ai/static-reviewer';
import type { TestOutcome } from '../../worker/ai/types';

const js = (content: string) => measureCode('javascript', [{ name: 'main.js', content }]);
const fn = (metrics: ReturnType<typeof js>, name: string) => {
  const found = metrics.functions.find((f) => f.name === name);
  if (!found) throw new Error(`no function ${name} in ${metrics.functions.map((f) => f.name).join(', ')}`);
  return found;
};
const allPassed: TestOutcome = { passed: 5, total: 5, score: 10, maxScore: 10, verdict: 'accepted', cases: [] };

describe('static code metrics', () => {
  describe('JavaScript, on the syntax tree', () => {
    const classify = `function classify(n) {
  if (n < 0) {
    return 'negative';
  } else if (n === 0) {
    return 'zero';
  } else {
    for (let i = 0; i < n; i++) {
      while (i > 2 && n > 3) {
        if (i % 2) { i++; }
      }
    }
  }
  return n > 10 ? 'big' : 'small';
}
`;

    it('counts 1 + each if, else-if, loop, && and ?: as cyclomatic complexity', () => {
      // 1 + if + else if + for + while + && + if + ?: = 8
      expect(fn(js(classify), 'classify').complexity).to.equal(8);
    });

    it("measures nesting with an else-if at its if's depth", () => {
      // if (1) › else › for (2) › while (3) › if (4)
      expect(fn(js(classify), 'classify').maxNesting).to.equal(4);
    });

    it('counts switch cases but not the default, catch, ??, || and logical assignment', () => {
      const m = js(`function pick(x, o) {
  switch (x) {
    case 1: return 'a';
    case 2: return 'b';
    default: return (o.v ?? o.w) || 'c';
  }
}
function safe(f, cache) {
  try { return f(); } catch (e) { cache.err ??= e; return null; }
}`);
      expect(m.method).to.equal('parser');
      // 1 + case + case + ?? + || = 5
      expect(fn(m, 'pick').complexity).to.equal(5);
      // 1 + catch + ??= = 3
      expect(fn(m, 'safe').complexity).to.equal(3);
      expect(fn(m, 'pick').maxNesting).to.equal(1);
      expect(fn(m, 'safe').maxNesting).to.equal(1);
    });

    it("keeps a nested function's branches and depth out of the function around it", () => {
      const m = js(`function outer(xs) {
  if (xs) {
    return xs.map(function inner(x) {
      if (x) { if (x > 1) { return 1; } }
      return 0;
    });
  }
}`);
      expect(fn(m, 'outer')).to.include({ complexity: 2, maxNesting: 1 });
      expect(fn(m, 'inner')).to.include({ complexity: 3, maxNesting: 2 });
    });

    it('names arrow functions, methods and object properties after what holds them', () => {
      const m = js(`const double = (x) => x * 2;
class Stack { push(v) { this.items.push(v); } }
const api = { load: function () { return 1; } };
module.exports.run = () => {};`);
      expect(m.functions.map((f) => f.name)).to.deep.equal(['double', 'push', 'load', 'module.exports.run']);
    });

    it('names functions under computed, private, literal and expression keys, and calls a nameless one anonymous', () => {
      const m = js(`const key = 'k';
const o = { [key]: () => 1, 'two words': function () {}, [key + 'x']: () => 2 };
class C { #secret() {} [key]() {} }
[1].map(function (x) { return x; });`);
      expect(m.functions.map((f) => f.name)).to.deep.equal(['[key]', 'two words', "[key + 'x']", '#secret', '[key]', '(anonymous)']);
    });

    it('measures function sizes in lines and counts top-level code as its own unit', () => {
      const m = js(`const lines = require('fs').readFileSync(0, 'utf8').split('\\n');
function sum(a) {
  let s = 0;
  for (const x of a) s += Number(x) || 0;
  return s;
}
if (lines.length > 0) console.log(sum(lines));
`);
      expect(fn(m, 'sum').lines).to.equal(5);
      expect(m.topLevel).to.deep.equal({ complexity: 2, maxNesting: 1 });
      expect(m.method).to.equal('parser');
    });

    it('computes the comment ratio as comment lines over non-blank lines', () => {
      const m = js(`// reads the input
const a = 1; // first

/* a block
   comment */
const b = 2;
`);
      expect(m.lines).to.deep.equal({ total: 6, code: 2, comment: 4, blank: 1 });
      // 4 comment lines of 5 non-blank lines (one line holds code and a comment)
      expect(m.commentRatio).to.equal(0.8);
    });

    it('falls back to heuristics and says so when the parser refuses the code', () => {
      const m = js('function broken( {\n  if (x) { return 1 }\n}\n');
      expect(m.method).to.equal('heuristic');
      expect(m.parseError).to.match(/^main\.js: Unexpected token/);
      expect(m.note).to.contain('heuristic');
    });
  });

  describe('Python, by heuristics', () => {
    const py = `"""Sum the even positive numbers."""
import sys

def solve(nums):
    # sum the positive ones
    total = 0
    for n in nums:
        if n > 0 and n % 2 == 0:
            total += n
        elif n < -10 or n == 5:
            total -= 1
    return total

def main():
    data = [int(x) for x in sys.stdin.read().split() if x]
    print(solve(data))

if __name__ == "__main__":
    main()
`;
    const m = measureCode('python', [{ name: 'main.py', content: py }]);

    it('counts 1 + the decision keywords of each def, comprehensions included', () => {
      // solve: 1 + for + if + and + elif + or = 6; main: 1 + for + if (in the comprehension) = 3
      expect(fn(m, 'solve').complexity).to.equal(6);
      expect(fn(m, 'main').complexity).to.equal(3);
    });

    it('measures nesting by the indentation of control blocks and function length by their lines', () => {
      expect(fn(m, 'solve')).to.include({ maxNesting: 2, lines: 9, line: 4 });
      expect(m.topLevel).to.deep.equal({ complexity: 2, maxNesting: 1 });
    });

    it('counts docstrings and # comments as comment lines, and ignores keywords inside strings', () => {
      expect(m.lines).to.deep.equal({ total: 19, code: 14, comment: 2, blank: 3 });
      const quoted = measureCode('python', [{ name: 'a.py', content: 'def f():\n    return "if x or y and z"\n' }]);
      expect(fn(quoted, 'f').complexity).to.equal(1);
    });

    it('reads a tab as indentation to the next multiple of eight, as Python does', () => {
      const tabs = measureCode('python', [{ name: 't.py', content: 'def f(x):\n\tif x:\n\t\tfor y in x:\n\t\t\tprint(y)\n\treturn x\n' }]);
      expect(fn(tabs, 'f')).to.include({ maxNesting: 2, complexity: 3, lines: 5 });
    });

    it('finds methods inside a class without counting the class as nesting', () => {
      const cls = measureCode('python', [
        { name: 'c.py', content: 'class Box:\n    def open(self, key):\n        if key:\n            return True\n        return False\n' },
      ]);
      expect(cls.functions.map((f) => f.name)).to.deep.equal(['open']);
      expect(fn(cls, 'open')).to.include({ maxNesting: 1, complexity: 2 });
    });

    it('counts the decisions of a bracketed continuation line in its function', () => {
      const cont = measureCode('python', [{ name: 'k.py', content: 'def f(a, b):\n    ok = (a and\n          b or a)\n    return ok\n' }]);
      expect(fn(cont, 'f')).to.include({ complexity: 3, maxNesting: 0, lines: 4 });
    });

    it('labels its figures as heuristics', () => {
      expect(m.method).to.equal('heuristic');
      expect(m.note).to.match(/heuristic/i);
    });
  });

  describe('C, C++ and Java, by heuristics', () => {
    it('finds functions by their braces and counts decisions and braced nesting', () => {
      const m = measureCode('c', [
        {
          name: 'main.c',
          content: `#include <stdio.h>
int is_prime(int n) {
    if (n < 2) return 0;
    for (int i = 2; i * i <= n; i++) {
        if (n % i == 0) {
            return 0;
        }
    }
    return 1;
}
int main(void) {
    int n; // input
    while (scanf("%d", &n) == 1 && n != 0) printf("%s\\n", is_prime(n) ? "yes" : "no");
    return 0;
}
`,
        },
      ]);
      // is_prime: 1 + if + for + if = 4, nested for › if = 2 (the braceless if adds no depth)
      expect(fn(m, 'is_prime')).to.include({ complexity: 4, maxNesting: 2, lines: 9 });
      // main: 1 + while + && + ?: = 4
      expect(fn(m, 'main')).to.include({ complexity: 4, maxNesting: 0 });
    });

    it('does not take a C++ lambda for a function, and counts its decisions in the function around it', () => {
      const m = measureCode('cpp', [
        {
          name: 'main.cpp',
          content: 'int main() {\n    auto even = [](int x) { if (x % 2 == 0) { return true; } return false; };\n    return even(2) ? 0 : 1;\n}\n',
        },
      ]);
      expect(m.functions.map((f) => f.name)).to.deep.equal(['main']);
      // 1 + if + ?: = 3
      expect(fn(m, 'main').complexity).to.equal(3);
    });

    it('does not take Java classes, generics wildcards or anonymous classes for functions or decisions', () => {
      const m = measureCode('java', [
        {
          name: 'Main.java',
          content: `import java.util.*;
public class Main {
    public static void main(String[] args) throws Exception {
        List<? extends Number> xs = new ArrayList<>();
        Runnable r = new Runnable() { public void run() { } };
        try {
            switch (args.length) { case 1: break; case 2: break; default: break; }
        } catch (Exception e) { }
    }
}
`,
        },
      ]);
      expect(m.functions.map((f) => f.name)).to.deep.equal(['main', 'run']);
      // 1 + case + case + catch = 4; try › switch = 2
      expect(fn(m, 'main')).to.include({ complexity: 4, maxNesting: 2 });
    });
  });
});

describe('static reviewer', () => {
  const branchy = `function grade(s) {
${Array.from({ length: 13 }, (_, i) => `  if (s === ${i}) return ${i};`).join('\n')}
  return -1;
}
`;

  it('names a function over the complexity threshold with its figure and the threshold', () => {
    const review = staticReview(js(branchy), allPassed);
    expect(review.issues).to.include(`\`grade\` (line 1) has cyclomatic complexity 14 (threshold ${THRESHOLDS.complexity}).`);
    expect(review.suggestions.some((s) => s.includes('`grade`'))).to.equal(true);
  });

  it('scores correctness as score / maxScore and complexity by the steps above the threshold', () => {
    const review = staticReview(js(branchy), { passed: 3, total: 5, score: 6, maxScore: 10, verdict: 'wrong_answer', cases: [] });
    const by = Object.fromEntries(review.rubric.map((r) => [r.criterion, r]));
    expect(by.correctness).to.include({ score: 6, max: 10 });
    expect(by.complexity).to.include({ score: 6, max: 10 });
    expect(review.issues).to.include('2 of 5 tests fail (verdict wrong_answer).');
  });

  it('reports deep nesting and a low comment ratio with their figures', () => {
    const deep = `function f(a) {
  for (const x of a) {
    for (const y of x) {
      if (y) {
        while (y > 0) {
          if (y % 2) { y--; }
        }
      }
    }
  }
}
${Array.from({ length: 20 }, (_, i) => `console.log(${i});`).join('\n')}
`;
    const review = staticReview(js(deep), allPassed);
    expect(review.issues).to.include('`f` (line 1) nests control blocks 5 deep (threshold 4).');
    expect(review.issues.some((i) => i.startsWith('Comment ratio is 0% (0 comment lines for 31 code lines'))).to.equal(true);
  });

  it('states only measured facts as strengths for clean code that passes every test', () => {
    const review = staticReview(js('// add\nfunction add(a, b) {\n  return a + b;\n}\n'), allPassed);
    expect(review.issues).to.deep.equal([]);
    expect(review.strengths).to.include('All 5 tests pass.');
    expect(review.strengths).to.include('Every function has cyclomatic complexity 10 or less (highest: 1 in `add`).');
    expect(review.summary).to.contain('no language model was used');
    expect(review.rubric.every((r) => r.score === r.max)).to.equal(true);
  });

  it('points at the failing visible tests by name and never at hidden ones', () => {
    const review = staticReview(js('function f() {}\n'), {
      passed: 1,
      total: 3,
      score: 2,
      maxScore: 6,
      verdict: 'wrong_answer',
      cases: [
        { name: 'sample', verdict: 'accepted', timeMs: 1, memoryKb: 1, hidden: false },
        { name: 'negative numbers', verdict: 'wrong_answer', timeMs: 1, memoryKb: 1, hidden: false },
        { name: 'secret big input', verdict: 'wrong_answer', timeMs: 1, memoryKb: 1, hidden: true },
      ],
    });
    const hint = review.suggestions.find((s) => s.includes('failing visible tests'));
    expect(hint).to.contain('`negative numbers`').and.not.to.contain('secret');
  });

  it('says in the summary that figures for Python are heuristics', () => {
    const review = staticReview(measureCode('python', [{ name: 'a.py', content: 'print(1)\n' }]), allPassed);
    expect(review.summary).to.contain('Figures for python are line-based heuristics');
  });
  it('says a submission that does not compile ran no test, and scores correctness 0 when nothing could be scored', () => {
    const review = staticReview(js('function f() {}\n'), { passed: 0, total: 0, score: 0, maxScore: 0, verdict: 'compile_error', cases: [] });
    expect(review.issues).to.include('The code does not compile (verdict compile_error), so no test ran.');
    expect(review.summary.startsWith('The submission did not compile.')).to.equal(true);
    expect(review.rubric.find((r) => r.criterion === 'correctness')!.score).to.equal(0);
  });

  it('tells a student whose only failures are hidden tests to try edge cases, and names the verdict unknown when there is none', () => {
    const review = staticReview(js('function f() {}\n'), {
      passed: 1,
      total: 2,
      score: 1,
      maxScore: 2,
      verdict: null,
      cases: [
        { name: 'sample', verdict: 'accepted', timeMs: 1, memoryKb: 1, hidden: false },
        { name: 'secret', verdict: 'wrong_answer', timeMs: 1, memoryKb: 1, hidden: true },
      ],
    });
    expect(review.issues).to.include('1 of 2 tests fail (verdict unknown).');
    expect(review.suggestions[0]).to.match(/^Only hidden tests fail/);
    expect(review.summary).to.contain('verdict unknown');
  });

  it("reports the parser's refusal of JavaScript it cannot read", () => {
    const review = staticReview(js('function (( {\n'), allPassed);
    expect(review.issues.some((i) => i.startsWith('The JavaScript parser refused the code: '))).to.equal(true);
  });

  it('names complex top-level code as "(top level)" and says the highest complexity is there', () => {
    const top = `${Array.from({ length: 12 }, (_, i) => `if (process.argv[${i}]) console.log(${i});`).join('\n')}\n`;
    const review = staticReview(js(top), allPassed);
    expect(review.issues).to.include('`(top level)` (line 1) has cyclomatic complexity 13 (threshold 10).');
    expect(review.summary).to.contain('Highest cyclomatic complexity 13 (top-level code)');
  });

  it('names a function over 50 lines with its length, and takes two structure points off for it', () => {
    const long = `function long() {\n${Array.from({ length: 55 }, (_, i) => `  console.log(${i});`).join('\n')}\n}\n`;
    const review = staticReview(js(long), allPassed);
    expect(review.issues).to.include('`long` (line 1) is 57 lines long (threshold 50).');
    expect(review.rubric.find((r) => r.criterion === 'structure')!.score).to.equal(8);
  });

  it('asks for functions when more than 30 code lines are all top-level', () => {
    const script = `${Array.from({ length: 31 }, (_, i) => `console.log(${i});`).join('\n')}\n`;
    const review = staticReview(js(script), allPassed);
    expect(review.issues).to.include('All 31 code lines are top-level code; there is no function (threshold 30 lines).');
    expect(review.suggestions).to.include('Put the steps of the program into named functions.');
  });

  it('counts a good comment ratio as a strength once comments are required', () => {
    const commented = `${Array.from({ length: 20 }, (_, i) => `// step ${i}\nconsole.log(${i});`).join('\n')}\n`;
    const review = staticReview(js(commented), allPassed);
    expect(review.strengths).to.include('Comment ratio is 50% (threshold 10%).');
  });

  it('names functions by file and line when the submission has several files', () => {
    const metrics = measureCode('javascript', [
      { name: 'a.js', content: 'function ok() {}\n' },
      { name: 'b.js', content: `function grade(s) {\n${Array.from({ length: 12 }, (_, i) => `  if (s === ${i}) return ${i};`).join('\n')}\n}\n` },
    ]);
    const review = staticReview(metrics, allPassed);
    expect(review.issues).to.include('`grade` (b.js:1) has cyclomatic complexity 13 (threshold 10).');
  });
});
