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
  it('fails every check on a page the project does not have, naming it', async () => {
    const verdict = await runStaticCheck(check('selector', { selector: 'h1', page: 'about.html' }), page('<!DOCTYPE html><h1>x</h1>'));
    expect(verdict).to.deep.equal({ passed: false, reason: 'about.html is missing' });
  });

  it('does not read a page stored as base64 as HTML', async () => {
    const files: WebFile[] = [{ path: 'index.html', encoding: 'base64', content: Buffer.from('<h1>x</h1>').toString('base64') }];
    expect((await runStaticCheck(check('selector', { selector: 'h1' }), files)).reason).to.equal('index.html is missing');
  });

  it('fails a selector check whose selector is not valid, saying so', async () => {
    const verdict = await runStaticCheck(check('selector', { selector: 'li[' }), page('<!DOCTYPE html><li>a</li>'));
    expect(verdict.reason).to.equal('the selector li[ is not valid');
  });

  it('asks for at least one match by default, or minCount, when no count is set', async () => {
    const files = page('<!DOCTYPE html><p>a</p>');
    expect((await runStaticCheck(check('selector', { selector: 'p' }), files)).passed).to.equal(true);
    expect((await runStaticCheck(check('selector', { selector: 'h2' }), files)).reason).to.equal('expected at least 1 × h2, found 0');
    expect((await runStaticCheck(check('selector', { selector: 'p', text: 'b', minCount: 2 }), files)).reason).to.equal(
      'expected at least 2 × p reading "b", found 0',
    );
  });

  it('fails an attribute check when nothing matches, and checks the value when one is set', async () => {
    const files = page('<!DOCTYPE html><html lang="en"></html>');
    expect((await runStaticCheck(check('attribute', { selector: 'img', attribute: 'alt' }), files)).reason).to.equal('no element matches img');
    expect((await runStaticCheck(check('attribute', { selector: 'html', attribute: 'lang', value: 'id' }), files)).reason).to.equal(
      '1 of 1 × html lack lang="id"',
    );
    expect((await runStaticCheck(check('attribute', { selector: 'html', attribute: 'lang', value: 'en' }), files)).passed).to.equal(true);
  });

  it('names the property and value a css-property check did not find, ignoring other properties of the rule', async () => {
    const files = page('<!DOCTYPE html>', 'nav { color: red; display: block }');
    expect((await runStaticCheck(check('css-property', { selector: 'nav', property: 'display', value: 'flex' }), files)).reason).to.equal(
      'no rule for nav sets display: flex',
    );
    expect((await runStaticCheck(check('css-property', { selector: 'main', property: 'display' }), files)).reason).to.equal(
      'no rule for main sets display',
    );
  });

  it('accepts any @media rule when no condition is set, and ignores other at-rules', async () => {
    expect(
      (await runStaticCheck(check('media-query', {}), page('<!DOCTYPE html>', '@import url(x.css); @font-face { font-family: x }'))).reason,
    ).to.equal('no @media rule');
    expect((await runStaticCheck(check('media-query', {}), page('<!DOCTYPE html>', '@media print { a { color: black } }'))).passed).to.equal(true);
  });

  it('fails a check of a kind that needs a browser, saying it is not static', async () => {
    const verdict = await runStaticCheck(check('script', { steps: [] }), page('<!DOCTYPE html>'));
    expect(verdict.reason).to.equal('script is not a static check');
  });
});
