import { expect } from 'chai';
import { renderMarkdown } from '../../common/text/markdown';
import { XSS_PAYLOADS, expectInert } from '../support/xss';

describe('Markdown bodies', () => {
  it('renders Markdown to HTML: emphasis, code, line breaks', () => {
    expect(renderMarkdown('**bold** and `code`\nnext line')).to.equal('<p><strong>bold</strong> and <code>code</code><br />next line</p>');
  });

  it('gives every link rel="noopener nofollow ugc"', () => {
    expect(renderMarkdown('[docs](https://example.org)')).to.equal('<p><a href="https://example.org" rel="noopener nofollow ugc">docs</a></p>');
  });

  it('drops a script tag and its content', () => {
    const html = renderMarkdown(XSS_PAYLOADS.script);
    expectInert(html);
    expect(html).not.to.include('alert');
  });

  it('drops an image with an onerror handler', () => {
    expectInert(renderMarkdown(XSS_PAYLOADS.onerror));
  });

  it('keeps the text of a javascript: link but not its URL', () => {
    const html = renderMarkdown(XSS_PAYLOADS.javascriptLink);
    expectInert(html);
    expect(html).to.include('click me');
  });

  it('drops SVG with its handlers and scripts', () => {
    const html = renderMarkdown(XSS_PAYLOADS.svg);
    expectInert(html);
    expect(html).to.include('after');
  });

  it('drops data: URLs, mixed-case javascript: and inline handlers on allowed tags', () => {
    expectInert(renderMarkdown('[d](data:text/html;base64,PHNjcmlwdD4=) <a href="JaVaScRiPt:alert(1)">x</a> <p onclick="x()">p</p>'));
  });
});
