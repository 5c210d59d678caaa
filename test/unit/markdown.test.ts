import { expect } from 'chai';
import { renderMarkdown } from '../../common/content/markdown';

describe('announcement Markdown rendering', () => {
  it('renders headings, emphasis, lists and links', () => {
    const html = renderMarkdown('# Ujian\n\n**Senin** jam 7\n\n- satu\n- dua\n\n[jadwal](https://gema.sch.id/jadwal)');
    expect(html).to.include('<h1>Ujian</h1>');
    expect(html).to.include('<strong>Senin</strong>');
    expect(html).to.include('<li>satu</li>');
    expect(html).to.include('<a href="https://gema.sch.id/jadwal" rel="noopener noreferrer nofollow" target="_blank">jadwal</a>');
  });

  it('shows raw HTML as text instead of markup', () => {
    const html = renderMarkdown('<script>alert(1)</script> <img src=x onerror=alert(1)>');
    expect(html).not.to.match(/<script|<img/);
    expect(html).to.include('&lt;script&gt;');
  });

  it('makes no link of a javascript: URL', () => {
    const html = renderMarkdown('[click](javascript:alert(1)) <a href="javascript:alert(2)">x</a>');
    expect(html).not.to.match(/<a\b/);
  });

  it('makes no image of a data: URL', () => {
    const html = renderMarkdown('![x](data:image/svg+xml;base64,PHN2Zz4=)');
    expect(html).not.to.match(/<img\b/);
  });

  it('keeps images from http(s) with their alt text', () => {
    expect(renderMarkdown('![lab](https://gema.sch.id/a.png)')).to.include('<img src="https://gema.sch.id/a.png" alt="lab" />');
  });

  it('keeps a code block language class but no other class', () => {
    const html = renderMarkdown('```python\nprint(1)\n```');
    expect(html).to.include('<code class="language-python">');
  });
});
