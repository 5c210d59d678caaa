/**
 * Splits source into lines with comments and string contents removed, so that line-based
 * heuristics count keywords and braces of code only. Not a tokenizer: it knows comments, strings
 * and (for Python) brackets and docstrings, which is all the heuristics need.
 */
export interface SourceLine {
  /** 1-based */
  number: number;
  raw: string;
  /** the line with comments removed and every string literal reduced to `""` */
  code: string;
  hasComment: boolean;
  /** Python: the line continues a bracketed expression or a backslash-continued one */
  continuation: boolean;
}

export type CommentStyle = 'c' | 'python';

export function scanLines(source: string, style: CommentStyle): SourceLine[] {
  const raws = source.replace(/\r\n?/g, '\n').split('\n');
  if (raws.length > 1 && raws[raws.length - 1] === '') raws.pop();
  const lines: SourceLine[] = raws.map((raw, i) => ({ number: i + 1, raw, code: '', hasComment: false, continuation: false }));

  let inBlockComment = false;
  let string: { quote: string; docstring: boolean } | null = null;
  let brackets = 0;
  let backslashContinues = false;

  for (const line of lines) {
    const s = line.raw;
    line.continuation = style === 'python' && (brackets > 0 || backslashContinues || string !== null);
    if (string?.docstring || inBlockComment) line.hasComment = true;
    backslashContinues = false;
    let code = '';
    let i = 0;
    while (i < s.length) {
      const ch = s[i]!;
      if (inBlockComment) {
        line.hasComment = true;
        if (s.startsWith('*/', i)) {
          inBlockComment = false;
          i += 2;
        } else i++;
        continue;
      }
      if (string) {
        if (string.quote.length === 1 && ch === '\\') {
          i += 2;
          continue;
        }
        if (string.quote.length === 3 && ch === '\\') {
          i += 2;
          continue;
        }
        if (s.startsWith(string.quote, i)) {
          i += string.quote.length;
          string = null;
        } else i++;
        continue;
      }
      if (style === 'c' && s.startsWith('//', i)) {
        line.hasComment = true;
        break;
      }
      if (style === 'c' && s.startsWith('/*', i)) {
        line.hasComment = true;
        inBlockComment = true;
        i += 2;
        continue;
      }
      if (style === 'python' && ch === '#') {
        line.hasComment = true;
        break;
      }
      if (style === 'python' && (s.startsWith('"""', i) || s.startsWith("'''", i))) {
        // a triple-quoted string standing where a statement starts is documentation, not code
        const docstring: boolean = code.trim() === '' && !line.continuation;
        string = { quote: s.slice(i, i + 3), docstring };
        if (docstring) line.hasComment = true;
        else code += '""';
        i += 3;
        continue;
      }
      if (ch === '"' || ch === "'" || (style === 'c' && ch === '`')) {
        // a C char literal and a Python string share the same shape here
        string = { quote: ch, docstring: false };
        code += '""';
        i++;
        continue;
      }
      if (style === 'python') {
        if (ch === '(' || ch === '[' || ch === '{') brackets++;
        else if ((ch === ')' || ch === ']' || ch === '}') && brackets > 0) brackets--;
        else if (ch === '\\' && i === s.length - 1) backslashContinues = true;
      }
      code += ch;
      i++;
    }
    // an unterminated single-quoted string ends with its line (C and Python both refuse more)
    if (string && string.quote.length === 1 && !(style === 'c' && string.quote === '`')) string = null;
    line.code = code;
  }
  return lines;
}

export interface LineCounts {
  total: number;
  code: number;
  comment: number;
  blank: number;
}

/** A line may hold code and a comment; it counts in both, and blank lines are those with neither. */
export function countLines(lines: SourceLine[]): LineCounts {
  let code = 0;
  let comment = 0;
  let blank = 0;
  for (const l of lines) {
    const hasCode = l.code.trim() !== '';
    if (hasCode) code++;
    if (l.hasComment) comment++;
    if (!hasCode && !l.hasComment) blank++;
  }
  return { total: lines.length, code, comment, blank };
}
