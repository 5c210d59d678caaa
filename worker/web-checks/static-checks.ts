import * as csstree from 'css-tree';
import type { WebCheck, WebFile } from '../../common/web-lab/types';
import { parsers } from './parsers';

export interface Verdict {
  passed: boolean;
  reason: string | null;
}

const ok: Verdict = { passed: true, reason: null };
const no = (reason: string): Verdict => ({ passed: false, reason });
const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

export function htmlOf(files: WebFile[], page = 'index.html'): string | undefined {
  const f = files.find((x) => x.path === page);
  return f && f.encoding === 'utf8' ? f.content : undefined;
}

/** Every stylesheet of the project and every `<style>` block of the page, parsed by css-tree. */
async function stylesheets(files: WebFile[], html: string): Promise<csstree.CssNode[]> {
  const { htmlparser2, cssSelect } = await parsers();
  const doc = htmlparser2.parseDocument(html);
  const inline = cssSelect.selectAll('style', doc).map((el) => htmlparser2.DomUtils.textContent(el));
  const sources = [...files.filter((f) => f.path.endsWith('.css') && f.encoding === 'utf8').map((f) => f.content), ...inline];
  return sources.map((css) => csstree.parse(css, { parseValue: false, parseCustomProperty: false, onParseError: () => undefined }));
}

/**
 * Static checks read the files with real parsers, never regular expressions: htmlparser2 builds
 * the DOM that css-select queries, parse5 reports the HTML's parse errors as the WHATWG parser
 * names them, css-tree reads the stylesheets. README.md#web-lab lists what each kind takes.
 */
export async function runStaticCheck(check: WebCheck, files: WebFile[]): Promise<Verdict> {
  const c = check.config;
  const page = c.page ?? 'index.html';
  const html = htmlOf(files, page);
  if (html === undefined) return no(`${page} is missing`);
  const { htmlparser2, cssSelect, parse5 } = await parsers();

  switch (check.kind) {
    case 'selector': {
      let matches;
      try {
        matches = cssSelect.selectAll(c.selector!, htmlparser2.parseDocument(html));
      } catch {
        return no(`the selector ${c.selector} is not valid`);
      }
      const withText =
        c.text === undefined ? matches : matches.filter((el) => squash(htmlparser2.DomUtils.textContent(el)).includes(squash(c.text!)));
      const n = withText.length;
      const what = c.text === undefined ? c.selector : `${c.selector} reading "${c.text}"`;
      if (c.count !== undefined && n !== c.count) return no(`expected ${c.count} × ${what}, found ${n}`);
      if (c.count === undefined && n < (c.minCount ?? 1)) return no(`expected at least ${c.minCount ?? 1} × ${what}, found ${n}`);
      return ok;
    }
    case 'attribute': {
      const matches = cssSelect.selectAll(c.selector!, htmlparser2.parseDocument(html));
      if (!matches.length) return no(`no element matches ${c.selector}`);
      const lacking = matches.filter((el) => {
        const v = (el as { attribs?: Record<string, string> }).attribs?.[c.attribute!];
        return v === undefined || (c.value !== undefined && v !== c.value);
      });
      return lacking.length
        ? no(`${lacking.length} of ${matches.length} × ${c.selector} lack ${c.attribute}${c.value !== undefined ? `="${c.value}"` : ''}`)
        : ok;
    }
    case 'css-property': {
      const wanted = squash(c.selector!);
      let found = false;
      for (const ast of await stylesheets(files, html)) {
        csstree.walk(ast, {
          visit: 'Rule',
          enter(rule: csstree.Rule) {
            const selectors = csstree.generate(rule.prelude).split(',').map(squash);
            if (!selectors.includes(wanted)) return;
            csstree.walk(rule.block, {
              visit: 'Declaration',
              enter(d: csstree.Declaration) {
                if (d.property.toLowerCase() !== c.property!.toLowerCase()) return;
                const value = squash(csstree.generate(d.value)).toLowerCase();
                if (c.value === undefined || value.includes(squash(c.value).toLowerCase())) found = true;
              },
            });
          },
        });
      }
      return found ? ok : no(`no rule for ${c.selector} sets ${c.property}${c.value ? `: ${c.value}` : ''}`);
    }
    case 'media-query': {
      let found = false;
      for (const ast of await stylesheets(files, html)) {
        csstree.walk(ast, {
          visit: 'Atrule',
          enter(at: csstree.Atrule) {
            if (at.name.toLowerCase() !== 'media' || !at.prelude) return;
            if (!c.condition || squash(csstree.generate(at.prelude)).includes(squash(c.condition).replace(/\s*:\s*/g, ':'))) found = true;
          },
        });
      }
      return found ? ok : no(`no @media rule${c.condition ? ` with ${c.condition}` : ''}`);
    }
    case 'html-errors': {
      const codes: string[] = [];
      parse5.parse(html, { onParseError: (e) => codes.push(e.code) });
      const counted = c.errorCodes?.length ? codes.filter((code) => c.errorCodes!.includes(code)) : codes;
      return counted.length ? no(`the HTML has parse errors: ${[...new Set(counted)].join(', ')}`) : ok;
    }
    default:
      return no(`${check.kind} is not a static check`);
  }
}
