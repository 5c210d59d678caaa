import type { FunctionMetrics } from '../../../common/models/ai-evaluation';
import type { FileMetrics } from './javascript';
import { countLines, scanLines, type SourceLine } from './source-lines';

interface Unit {
  name: string;
  line: number;
  lastLine: number;
  complexity: number;
  maxNesting: number;
}

const toFunction = (u: Unit): FunctionMetrics => ({
  name: u.name,
  line: u.line,
  lines: u.lastLine - u.line + 1,
  complexity: u.complexity,
  maxNesting: u.maxNesting,
  file: '',
});

const PY_DECISIONS = /\b(if|elif|for|while|except|and|or|case)\b/g;
const PY_CONTROL = /^(if|elif|else|for|while|try|except|finally|with|match|case|async\s+for|async\s+with)\b/;
const PY_DEF = /^(?:async\s+)?def\s+([A-Za-z_]\w*)/;

/** Tabs to the next multiple of 8, as Python's tokenizer reads them. */
function indentOf(raw: string): number {
  let col = 0;
  for (const ch of raw) {
    if (ch === ' ') col++;
    else if (ch === '\t') col = (Math.floor(col / 8) + 1) * 8;
    else break;
  }
  return col;
}

/**
 * Python, by indentation: functions are `def` blocks; complexity is 1 + the decision keywords
 * (`if`, `elif`, `for`, `while`, `except`, `and`, `or`, `case` other than `case _`) in the function's own
 * lines, comprehensions and conditional expressions included; nesting is the number of enclosing
 * control blocks (`if`/`for`/`while`/`try`/`with`/`match` and their siblings).
 */
export function measurePython(source: string): FileMetrics {
  const lines = scanLines(source, 'python');
  const top: Unit = { name: '(top level)', line: 1, lastLine: lines.length, complexity: 1, maxNesting: 0 };
  const units: Unit[] = [];
  type Block = { indent: number; kind: 'def' | 'control' | 'other'; unit?: Unit };
  const stack: Block[] = [];

  for (const line of lines) {
    const text = line.code.trim();
    if (text === '') continue;
    if (!line.continuation) {
      const indent = indentOf(line.raw);
      while (stack.length && stack[stack.length - 1]!.indent >= indent) stack.pop();
    }
    const enclosing = stack.filter((b) => b.kind === 'def');
    const unit = enclosing[enclosing.length - 1]?.unit ?? top;
    for (const b of enclosing) b.unit!.lastLine = line.number;

    const decisions = (text.replace(/\bcase\s+_\s*:/g, '').match(PY_DECISIONS) ?? []).length;
    unit.complexity += decisions;
    if (line.continuation) continue;

    const innermostDef = stack.map((b) => b.kind).lastIndexOf('def');
    const controls = stack.slice(innermostDef + 1).filter((b) => b.kind === 'control').length;
    const def = PY_DEF.exec(text);
    const isControl = PY_CONTROL.test(text);
    unit.maxNesting = Math.max(unit.maxNesting, controls + (isControl ? 1 : 0));

    if (/:\s*$/.test(text) || def) {
      const indent = indentOf(line.raw);
      if (def) {
        const fn: Unit = { name: def[1]!, line: line.number, lastLine: line.number, complexity: 1, maxNesting: 0 };
        units.push(fn);
        stack.push({ indent, kind: 'def', unit: fn });
      } else if (/:\s*$/.test(text)) {
        stack.push({ indent, kind: isControl ? 'control' : 'other' });
      }
    }
  }
  return { lines: countLines(lines), functions: units.map(toFunction), topLevel: { complexity: top.complexity, maxNesting: top.maxNesting } };
}

const C_CONTROL_HEADER = /^(else\b|if\b|for\b|while\b|do\b|switch\b|try\b|catch\b|finally\b|synchronized\b)/;
const NOT_FUNCTION_NAMES = new Set(['if', 'for', 'while', 'switch', 'catch', 'return', 'sizeof', 'new', 'throw', 'else', 'do']);
const C_DECISIONS = new Set(['if', 'for', 'while', 'case', 'catch', '&&', '||', '?']);
const TOKEN = /[A-Za-z_~$][\w~$]*|::|&&|\|\||->|=>|[{}();?<,=]|\S/g;

/** The name a `{`'s header gives a function, or undefined when the block is no function. */
function functionName(header: string): string | undefined {
  if (C_CONTROL_HEADER.test(header)) return undefined;
  const paren = header.indexOf('(');
  if (paren < 0) return undefined;
  // a name sits right before its `(`; a bounded tail keeps the regexes linear on hostile input
  const before = header.slice(Math.max(0, paren - 300), paren);
  if (/(^|[^=!<>])=($|[^=])/.test(before) || /\bnew\b/.test(before)) return undefined;
  const m = /([A-Za-z_~$][\w~$]*(?:\s*::\s*[A-Za-z_~$][\w~$]*)*)\s*$/.exec(before);
  if (!m) return undefined;
  const name = m[1]!.replace(/\s+/g, '');
  return NOT_FUNCTION_NAMES.has(name) ? undefined : name;
}

/**
 * C, C++, Java (and JavaScript the parser refused), by braces: a `{` whose header looks like
 * `name(...)` opens a function; complexity is 1 + `if`, `for`, `while`, `case`, `catch`, `&&`, `||`
 * and `?` in the function's own code; nesting is the number of enclosing braced control blocks, so
 * a braceless `if (x) y;` adds a decision but no depth.
 */
export function measureBraces(source: string): FileMetrics {
  const lines = scanLines(source, 'c');
  const top: Unit = { name: '(top level)', line: 1, lastLine: lines.length, complexity: 1, maxNesting: 0 };
  const units: Unit[] = [];
  type Block = { kind: 'function' | 'control' | 'other'; unit?: Unit };
  const stack: Block[] = [];
  let header = '';
  let headerLine = 0;
  let previous = '';
  // `;` inside parentheses (a `for` header) does not end the statement
  let parens = 0;

  const current = () => {
    for (let i = stack.length - 1; i >= 0; i--) if (stack[i]!.kind === 'function') return stack[i]!.unit!;
    return top;
  };
  const controlDepth = () => {
    let depth = 0;
    for (let i = stack.length - 1; i >= 0 && stack[i]!.kind !== 'function'; i--) if (stack[i]!.kind === 'control') depth++;
    return depth;
  };

  for (const line of lines as SourceLine[]) {
    if (/^\s*#/.test(line.code)) continue; // preprocessor directives
    for (const [token] of line.code.matchAll(TOKEN)) {
      if (C_DECISIONS.has(token) && !(token === '?' && (previous === '<' || previous === ','))) current().complexity++;
      if (token === '{') {
        const name = functionName(header.trim());
        if (name) {
          const fn: Unit = { name, line: headerLine || line.number, lastLine: line.number, complexity: 1, maxNesting: 0 };
          units.push(fn);
          stack.push({ kind: 'function', unit: fn });
        } else if (C_CONTROL_HEADER.test(header.trim())) {
          const unit = current();
          stack.push({ kind: 'control' });
          unit.maxNesting = Math.max(unit.maxNesting, controlDepth());
        } else stack.push({ kind: 'other' });
        header = '';
        headerLine = 0;
        parens = 0;
      } else if (token === '}') {
        const block = stack.pop();
        if (block?.kind === 'function') block.unit!.lastLine = line.number;
        header = '';
        headerLine = 0;
      } else if (token === ';' && parens === 0) {
        header = '';
        headerLine = 0;
      } else {
        if (token === '(') parens++;
        else if (token === ')' && parens > 0) parens--;
        if (!headerLine) headerLine = line.number;
        // only the start of a statement decides what its `{` opens
        if (header.length < 2000) header += `${token} `;
      }
      previous = token;
    }
  }
  return { lines: countLines(lines), functions: units.map(toFunction), topLevel: { complexity: top.complexity, maxNesting: top.maxNesting } };
}
