/**
 * Runs inside the isolate before the student's code. It builds the only host-facing API the program
 * has: `console.*` (written through a host callback that only ever receives one copied string),
 * `print`, `stdin` and `readLine()`. The callback is captured in a closure and removed from the
 * global object, so student code cannot call it with other arguments or keep a handle on it.
 */
export const PRELUDE = String.raw`
(function () {
  const write = globalThis.__gemaWrite;
  const input = String(globalThis.__gemaStdin);
  // one huge string is cut before it is copied out of the isolate: past the hard cap it is lost anyway
  const maxChunk = Number(globalThis.__gemaMaxChunk);
  delete globalThis.__gemaWrite;
  delete globalThis.__gemaStdin;
  delete globalThis.__gemaMaxChunk;

  function show(value, depth) {
    if (typeof value === 'string') return depth === 0 ? value : JSON.stringify(value);
    if (typeof value === 'bigint') return String(value) + 'n';
    if (typeof value === 'symbol' || typeof value === 'undefined' || value === null) return String(value);
    if (typeof value === 'function') return '[Function: ' + (value.name || 'anonymous') + ']';
    if (typeof value !== 'object') return String(value);
    if (value instanceof Error) return value.stack || String(value);
    if (depth > 2) return Array.isArray(value) ? '[Array]' : '[Object]';
    try {
      if (Array.isArray(value)) return '[ ' + value.map((v) => show(v, depth + 1)).join(', ') + ' ]';
      if (value instanceof Map) return 'Map(' + value.size + ') { ' + [...value].map(([k, v]) => show(k, depth + 1) + ' => ' + show(v, depth + 1)).join(', ') + ' }';
      if (value instanceof Set) return 'Set(' + value.size + ') { ' + [...value].map((v) => show(v, depth + 1)).join(', ') + ' }';
      const keys = Object.keys(value);
      if (keys.length === 0) return '{}';
      return '{ ' + keys.map((k) => k + ': ' + show(value[k], depth + 1)).join(', ') + ' }';
    } catch (e) {
      return '[object]';
    }
  }
  function format(args) {
    return Array.prototype.map.call(args, (a) => show(a, 0)).join(' ') + '\n';
  }
  function emit(stream, text) { write(stream, text.length > maxChunk ? text.slice(0, maxChunk) : text); }
  function out() { emit(1, format(arguments)); }
  function err() { emit(2, format(arguments)); }
  const console = { log: out, info: out, debug: out, warn: err, error: err, trace: err };
  Object.defineProperty(globalThis, 'console', { value: Object.freeze(console), writable: false, configurable: false });

  let pos = 0;
  function readLine() {
    if (pos >= input.length) return null;
    let end = input.indexOf('\n', pos);
    if (end === -1) end = input.length;
    let line = input.slice(pos, end);
    pos = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    return line;
  }
  // WebAssembly memory is reserved outside the heap limit isolated-vm enforces (a 2 GB grow succeeds
  // in a 64 MB isolate): it would let a program exhaust the runner child's memory
  delete globalThis.WebAssembly;
  // the tests of a submission run in fresh contexts of one isolate (child.ts): nothing of one test may
  // run later, during another, and these two are the only ways plain V8 offers to schedule code for later
  delete globalThis.FinalizationRegistry;
  if (typeof Atomics === 'object') delete Atomics.waitAsync;
  globalThis.stdin = input;
  globalThis.readLine = readLine;
  globalThis.print = out;
})();
`;
