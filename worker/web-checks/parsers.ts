/**
 * htmlparser2, css-select and parse5 are ESM-only and this tree compiles to CommonJS; under
 * `nodenext` TypeScript keeps a dynamic `import()` as is, so they load once, on first use.
 */
type Parsers = {
  htmlparser2: typeof import('htmlparser2');
  cssSelect: typeof import('css-select');
  parse5: typeof import('parse5');
};

let loading: Promise<Parsers> | undefined;

export function parsers(): Promise<Parsers> {
  loading ??= Promise.all([import('htmlparser2'), import('css-select'), import('parse5')]).then(([htmlparser2, cssSelect, parse5]) => ({
    htmlparser2,
    cssSelect,
    parse5,
  }));
  return loading;
}
