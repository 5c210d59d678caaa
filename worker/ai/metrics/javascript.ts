import * as acorn from 'acorn';
import * as walk from 'acorn-walk';
import type { FunctionMetrics } from '../../../common/models/ai-evaluation';
import type { LineCounts } from './source-lines';

/** The facts measured on one file: the same shape for the parser and the heuristics. */
export interface FileMetrics {
  lines: LineCounts;
  functions: FunctionMetrics[];
  topLevel: { complexity: number; maxNesting: number };
}

interface Unit {
  name: string;
  line: number;
  lines: number;
  complexity: number;
  maxNesting: number;
}

interface WalkState {
  unit: Unit;
  /** control blocks enclosing this point, within the current function */
  depth: number;
  /** the name the enclosing declaration gives a function expression */
  nameHint?: string;
  /** this `if` is the `else if` of its parent, which does not nest deeper */
  elseIf?: boolean;
}

const parseOptions = (sourceType: 'script' | 'module', onToken: (t: acorn.Token) => void, onComment: acorn.Options['onComment']): acorn.Options => ({
  ecmaVersion: 'latest',
  sourceType,
  locations: true,
  allowHashBang: true,
  allowReturnOutsideFunction: sourceType === 'script',
  allowAwaitOutsideFunction: true,
  onToken,
  onComment,
});

/** Parses as a script first, then as a module (for `import`/`export`); throws the script's error. */
function parse(code: string, codeLines: Set<number>, commentLines: Set<number>): acorn.Program {
  const mark = (set: Set<number>, from: number, to: number) => {
    for (let l = from; l <= to; l++) set.add(l);
  };
  const attempt = (sourceType: 'script' | 'module') => {
    codeLines.clear();
    commentLines.clear();
    return acorn.parse(
      code,
      parseOptions(
        sourceType,
        (t) => t.loc && t.type !== acorn.tokTypes.eof && mark(codeLines, t.loc.start.line, t.loc.end.line),
        (_block, _text, _start, _end, startLoc, endLoc) => startLoc && endLoc && mark(commentLines, startLoc.line, endLoc.line),
      ),
    );
  };
  try {
    return attempt('script');
  } catch (scriptError) {
    try {
      return attempt('module');
    } catch {
      throw scriptError;
    }
  }
}

const isFunction = (n: acorn.AnyNode | null | undefined): boolean => !!n && (n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression');

function keyName(key: acorn.Expression | acorn.PrivateIdentifier, computed: boolean, code: string): string {
  if (key.type === 'Identifier') return computed ? `[${key.name}]` : key.name;
  if (key.type === 'PrivateIdentifier') return `#${key.name}`;
  if (key.type === 'Literal') return String(key.value);
  return `[${code.slice(key.start, key.end).slice(0, 40)}]`;
}

/**
 * McCabe complexity and nesting per function, measured on acorn's syntax tree: 1 + each `if`, `?:`,
 * `&&`, `||`, `??`, logical assignment, loop, non-default `case` and `catch` (ESLint's `complexity` rule
 * as it counted before v9, which added default values and optional chaining); nesting as ESLint's
 * `max-depth`: `if` (an `else if` stays at its `if`'s depth), loops, `switch`, `try` and `with`,
 * starting again inside each function.
 */
export function measureJavaScript(code: string): FileMetrics {
  const codeLines = new Set<number>();
  const commentLines = new Set<number>();
  const ast = parse(code, codeLines, commentLines);
  const total = code.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n').length;
  let blank = 0;
  for (let l = 1; l <= total; l++) if (!codeLines.has(l) && !commentLines.has(l)) blank++;

  const top: Unit = { name: '(top level)', line: 1, lines: total, complexity: 1, maxNesting: 0 };
  const units: Unit[] = [];
  const branch = (st: WalkState) => {
    st.unit.complexity++;
  };
  const nest = (st: WalkState): WalkState => {
    const depth = st.depth + 1;
    st.unit.maxNesting = Math.max(st.unit.maxNesting, depth);
    return { unit: st.unit, depth };
  };
  const nested =
    <N extends acorn.AnyNode>(type: N['type'], counts: boolean) =>
    (node: N, st: WalkState, c: walk.WalkerCallback<WalkState>) => {
      if (counts) branch(st);
      const base = walk.base[type] as (n: N, s: WalkState, cb: walk.WalkerCallback<WalkState>) => void;
      base(node, nest(st), c);
    };

  const visitors: walk.RecursiveVisitors<WalkState> = {
    Function(node, st, c) {
      const name = node.id?.name ?? st.nameHint ?? '(anonymous)';
      const unit: Unit = {
        name,
        line: node.loc!.start.line,
        lines: node.loc!.end.line - node.loc!.start.line + 1,
        complexity: 1,
        maxNesting: 0,
      };
      units.push(unit);
      const inner: WalkState = { unit, depth: 0 };
      for (const p of node.params) c(p, inner);
      c(node.body, inner);
    },
    VariableDeclarator(node, st, c) {
      c(node.id, { unit: st.unit, depth: st.depth });
      if (node.init) {
        const hint = isFunction(node.init) && node.id.type === 'Identifier' ? node.id.name : undefined;
        c(node.init, { unit: st.unit, depth: st.depth, nameHint: hint });
      }
    },
    AssignmentExpression(node, st, c) {
      if (node.operator === '&&=' || node.operator === '||=' || node.operator === '??=') branch(st);
      const plain = { unit: st.unit, depth: st.depth };
      c(node.left, plain);
      const hint = isFunction(node.right) ? code.slice(node.left.start, node.left.end).slice(0, 60) : undefined;
      c(node.right, { ...plain, nameHint: hint });
    },
    Property(node, st, c) {
      const plain = { unit: st.unit, depth: st.depth };
      if (node.computed) c(node.key, plain);
      const hint = isFunction(node.value) ? keyName(node.key, node.computed, code) : undefined;
      c(node.value, { ...plain, nameHint: hint });
    },
    MethodDefinition(node, st, c) {
      const plain = { unit: st.unit, depth: st.depth };
      if (node.computed) c(node.key, plain);
      c(node.value, { ...plain, nameHint: keyName(node.key, node.computed, code) });
    },
    PropertyDefinition(node, st, c) {
      const plain = { unit: st.unit, depth: st.depth };
      if (node.computed) c(node.key, plain);
      if (node.value) c(node.value, { ...plain, nameHint: isFunction(node.value) ? keyName(node.key, node.computed, code) : undefined });
    },
    IfStatement(node, st, c) {
      branch(st);
      const inner = st.elseIf ? { unit: st.unit, depth: st.depth } : nest(st);
      c(node.test, inner);
      c(node.consequent, inner);
      if (node.alternate) c(node.alternate, node.alternate.type === 'IfStatement' ? { ...inner, elseIf: true } : inner);
    },
    ForStatement: nested<acorn.ForStatement>('ForStatement', true),
    ForInStatement: nested<acorn.ForInStatement>('ForInStatement', true),
    ForOfStatement: nested<acorn.ForOfStatement>('ForOfStatement', true),
    WhileStatement: nested<acorn.WhileStatement>('WhileStatement', true),
    DoWhileStatement: nested<acorn.DoWhileStatement>('DoWhileStatement', true),
    SwitchStatement: nested<acorn.SwitchStatement>('SwitchStatement', false),
    TryStatement: nested<acorn.TryStatement>('TryStatement', false),
    WithStatement: nested<acorn.WithStatement>('WithStatement', false),
    SwitchCase(node, st, c) {
      if (node.test) {
        branch(st);
        c(node.test, st);
      }
      for (const s of node.consequent) c(s, st);
    },
    CatchClause(node, st, c) {
      branch(st);
      if (node.param) c(node.param, st);
      c(node.body, st);
    },
    ConditionalExpression(node, st, c) {
      branch(st);
      c(node.test, st);
      c(node.consequent, st);
      c(node.alternate, st);
    },
    LogicalExpression(node, st, c) {
      branch(st);
      c(node.left, st);
      c(node.right, st);
    },
  };
  walk.recursive(ast, { unit: top, depth: 0 }, visitors);

  return {
    lines: { total, code: codeLines.size, comment: commentLines.size, blank },
    functions: units.map((u) => ({ ...u, file: '' })),
    topLevel: { complexity: top.complexity, maxNesting: top.maxNesting },
  };
}
