import type MarkdownIt from 'markdown-it';
import type sanitizeHtml from 'sanitize-html';
import { lazyModule } from '../runtime/lazy-module';

/**
 * markdown-it renders CommonMark with raw HTML switched off; sanitize-html then keeps only an
 * allow-list of tags and attributes, so whatever an author types (or a stolen staff account
 * pastes) cannot run script in a parent's browser. Two layers because either alone has had bypasses.
 */
// ~100 modules (postcss, htmlparser2, markdown-it) and ~0.15 s of a start-up: loaded when the first
// text is rendered, not when the process starts (README.md#memory-and-start-up)
const render = lazyModule(() => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const MarkdownItClass = require('markdown-it') as typeof MarkdownIt;
  const sanitize = require('sanitize-html') as typeof sanitizeHtml;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const md = new MarkdownItClass({ html: false, linkify: true, typographer: false, breaks: false });
  const options = SANITIZE(sanitize);
  return (source: string) => sanitize(md.render(source), options);
});

const SANITIZE = (sanitize: typeof sanitizeHtml): sanitizeHtml.IOptions => ({
  allowedTags: [
    'p',
    'br',
    'hr',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'blockquote',
    'pre',
    'code',
    'em',
    'strong',
    's',
    'del',
    'ul',
    'ol',
    'li',
    'a',
    'img',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel', 'target'],
    img: ['src', 'alt', 'title'],
    ol: ['start'],
    code: ['class'],
    th: ['style'],
    td: ['style'],
  },
  allowedStyles: { th: { 'text-align': [/^(left|right|center)$/] }, td: { 'text-align': [/^(left|right|center)$/] } },
  allowedClasses: { code: [/^language-[\w+-]+$/] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  // links leave the site without handing it the opener
  transformTags: { a: sanitize.simpleTransform('a', { rel: 'noopener noreferrer nofollow', target: '_blank' }) },
});

/** Markdown to HTML safe to insert into a page as it is. */
export function renderMarkdown(source: string): string {
  return render()(source);
}
