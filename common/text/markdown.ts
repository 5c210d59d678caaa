import type { Marked } from 'marked';
import type sanitizeHtml from 'sanitize-html';
import { lazyModule } from '../runtime/lazy-module';

/** Longest Markdown body of a chat message, thread or reply. */
export const MAX_MARKDOWN_LENGTH = 4000;

// loaded with the first message rendered, not at start-up (sanitize-html brings postcss, ~80 modules)
const load = lazyModule(() => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { Marked: MarkedClass } = require('marked') as { Marked: typeof Marked };
  const sanitize = require('sanitize-html') as typeof sanitizeHtml;
  /* eslint-enable @typescript-eslint/no-require-imports */
  // GitHub-flavoured Markdown with single newlines kept as line breaks, as people type in a chat
  return { marked: new MarkedClass({ gfm: true, breaks: true, async: false }), sanitize };
});

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'strong',
    'em',
    'del',
    's',
    'code',
    'pre',
    'blockquote',
    'ul',
    'ol',
    'li',
    'a',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'hr',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'span',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    code: ['class'],
    span: ['class', 'data-user-id'],
    th: ['align'],
    td: ['align'],
  },
  allowedClasses: { code: [/^language-[\w+-]+$/], span: ['mention'] },
  // no javascript:, data:, vbscript: or relative protocol tricks: only these schemes survive
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  // the content of these goes with them, not only the tags (a <script> body never shows as text)
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'svg', 'math', 'iframe', 'object'],
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'noopener nofollow ugc' } }),
  },
};

/**
 * Markdown as written → HTML safe to put in a page: marked renders it (raw HTML in the Markdown comes
 * through as HTML), then sanitize-html keeps only the tags and attributes above — no scripts, no event
 * handlers, no `javascript:` or `data:` URLs, no SVG — and gives every link `rel="noopener nofollow ugc"`.
 */
export function renderMarkdown(markdown: string): string {
  const { marked, sanitize } = load();
  const html = marked.parse(markdown) as string;
  return sanitize(html, SANITIZE).trim();
}
