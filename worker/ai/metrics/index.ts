import type { CodeMetrics } from '../../../common/models/ai-evaluation';
import { measureJavaScript, type FileMetrics } from './javascript';
import { measureBraces, measurePython } from './heuristics';

export interface SourceFileInput {
  name: string;
  content: string;
}

const HEURISTIC_NOTE: Record<string, string> = {
  python:
    'Heuristic figures: functions are `def` blocks found by indentation, complexity is 1 + decision keywords, nesting is indentation depth of control blocks. No Python parser was used.',
  braces:
    'Heuristic figures: functions and nesting are found from braces, complexity is 1 + decision keywords and operators. No parser for this language was used.',
  javascript: 'The JavaScript parser refused the code, so these figures are heuristic (braces and keywords), not measured on a syntax tree.',
};

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Measurable facts about a submission's files: sizes, functions with their length, cyclomatic
 * complexity and nesting, and the comment ratio. JavaScript is measured on acorn's syntax tree;
 * the other languages by line-based heuristics, which the result says.
 */
export function measureCode(language: string, files: SourceFileInput[]): CodeMetrics {
  let method: CodeMetrics['method'] = language === 'javascript' ? 'parser' : 'heuristic';
  let note: string | undefined = language === 'python' ? HEURISTIC_NOTE.python : language === 'javascript' ? undefined : HEURISTIC_NOTE.braces;
  let parseError: string | undefined;

  const perFile = files.map((file) => {
    let m: FileMetrics;
    if (language === 'javascript') {
      try {
        m = measureJavaScript(file.content);
      } catch (err) {
        method = 'heuristic';
        note = HEURISTIC_NOTE.javascript;
        parseError ??= `${file.name}: ${(err as Error).message}`;
        m = measureBraces(file.content);
      }
    } else if (language === 'python') {
      m = measurePython(file.content);
    } else {
      m = measureBraces(file.content);
    }
    return { file, m };
  });

  const lines = { total: 0, code: 0, comment: 0, blank: 0 };
  let characters = 0;
  const functions: CodeMetrics['functions'] = [];
  const topLevel = { complexity: 1, maxNesting: 0 };
  for (const { file, m } of perFile) {
    characters += [...file.content].length;
    lines.total += m.lines.total;
    lines.code += m.lines.code;
    lines.comment += m.lines.comment;
    lines.blank += m.lines.blank;
    functions.push(...m.functions.map((f) => ({ ...f, file: file.name })));
    topLevel.complexity = Math.max(topLevel.complexity, m.topLevel.complexity);
    topLevel.maxNesting = Math.max(topLevel.maxNesting, m.topLevel.maxNesting);
  }
  const nonBlank = lines.total - lines.blank;
  return {
    language,
    method,
    ...(note ? { note } : {}),
    files: files.length,
    characters,
    lines,
    commentRatio: nonBlank ? round(lines.comment / nonBlank) : 0,
    functionCount: functions.length,
    functions,
    topLevel,
    maxNesting: Math.max(topLevel.maxNesting, ...functions.map((f) => f.maxNesting)),
    maxComplexity: Math.max(topLevel.complexity, ...functions.map((f) => f.complexity)),
    ...(parseError ? { parseError } : {}),
  };
}
