import { expect } from 'chai';
import { runStaticCheck } from '../../worker/web-checks/static-checks';
import type { WebCheck, WebFile } from '../../common/web-lab/types';

const check = (kind: WebCheck['kind'], config: WebCheck['config']): WebCheck => ({
  id: 'c',
  kind,
  title: 't',
  points: 1,
  message: '',
  visibility: 'show',
  config,
});
const page = (html: string, css = ''): WebFile[] => [
  { path: 'index.html', encoding: 'utf8', content: html },
  { path: 'css/style.css', encoding: 'utf8', content: css },
];

describe('web lab static checks', () => {
  it('matches a selector with a count and a text', async () => {
    const files = page('<!DOCTYPE html><ul><li>a</li><li>Halo dunia</li></ul>');
    expect((await runStaticCheck(check('selector', { selector: 'ul > li', count: 2 }), files)).passed).to.equal(true);
    expect((await runStaticCheck(check('selector', { selector: 'li', text: 'Halo', count: 1 }), files)).passed).to.equal(true);
    expect((await runStaticCheck(check('selector', { selector: 'ul > li', count: 3 }), files)).reason).to.equal('expected 3 × ul > li, found 2');
  });

  it('finds a property on a selector inside a media query too', async () => {
    const files = page('<!DOCTYPE html><nav></nav>', '@media (max-width: 600px) { nav, footer { display: grid } }');
    expect((await runStaticCheck(check('css-property', { selector: 'footer', property: 'display', value: 'grid' }), files)).passed).to.equal(true);
    expect((await runStaticCheck(check('css-property', { selector: 'nav', property: 'display', value: 'flex' }), files)).passed).to.equal(false);
  });

  it('finds a media query by its condition', async () => {
    const files = page('<!DOCTYPE html>', '@media (max-width:600px) { a { color: red } }');
    expect((await runStaticCheck(check('media-query', { condition: 'max-width: 600px' }), files)).passed).to.equal(true);
    expect((await runStaticCheck(check('media-query', { condition: 'min-width' }), files)).passed).to.equal(false);
  });

  it('reads <style> blocks of the page as well as stylesheets', async () => {
    const files = page('<!DOCTYPE html><style>h1 { color: navy }</style><h1>x</h1>');
    expect((await runStaticCheck(check('css-property', { selector: 'h1', property: 'color' }), files)).passed).to.equal(true);
  });

  it('names the parse errors parse5 reports, filtered by code when asked', async () => {
    const files = page('<p>no doctype</div>');
    const any = await runStaticCheck(check('html-errors', {}), files);
    expect(any.reason).to.contain('missing-doctype');
    expect((await runStaticCheck(check('html-errors', { errorCodes: ['duplicate-attribute'] }), files)).passed).to.equal(true);
  });

  it('requires every matching element to carry the attribute', async () => {
    const files = page('<!DOCTYPE html><img src="a" alt="a"><img src="b">');
    expect((await runStaticCheck(check('attribute', { selector: 'img', attribute: 'alt' }), files)).reason).to.equal('1 of 2 × img lack alt');
  });
});
