/**
 * Build step after tsc (`npm run build`): each long-running entry point becomes one file. Module
 * loading was most of a process's start-up (~1,300 files for the API: resolving them, the stat and
 * package.json reads, was ~15 % and compiling them one by one ~17 %); one bundle per process is one
 * read and one compile (API: −26 % CPU to ready). Our code and the pure-JavaScript packages go in; what must stay a package is
 * left to require() at run time (EXTERNAL says why for each). The bundle overwrites tsc's file of the
 * same name, so every command (Procfile, Dockerfile, compose, Kubernetes, `npm start`) runs it
 * unchanged, and the rest of dist/ stays for what is loaded by path (migrations, the runner child).
 * `tsx scripts/bundle.ts [OUT_DIR]` (default dist/).
 */
import fs from 'node:fs';
import path from 'node:path';
import { decode, encode, type SourceMapSegment } from '@jridgewell/sourcemap-codec';
import { parse } from 'acorn';
import { build, type Plugin } from 'esbuild';
import { migrationNames } from '../common/db/migration-files';

const root = path.resolve(__dirname, '..');

/** Entry points bundled: those whose start-up counts (the web and worker processes, `npm start` and its steps). */
export const BUNDLED_ENTRIES = ['api/server.ts', 'worker/main.ts', 'scripts/start.ts', 'scripts/start/prepare.ts'] as const;

/**
 * Packages left to require() at run time, and why. Native addons cannot be bundled; packages that
 * read their own files by path (templates, static assets, scripts) would look for them beside the
 * bundle; and the ones our code loads lazily on first use (common/runtime/lazy-module.ts) stay out so
 * that a process that never uses them does not parse them either.
 */
const EXTERNAL = [
  // native addons
  'isolated-vm',
  'bcrypt',
  'sharp',
  'pg-native', // pg's optional native binding, required only if asked for
  'pg-hstore', // not installed: Sequelize requires it only for HSTORE columns, which we have none of
  'tsx', // the runner pool's path under tsx (tests, dev), never taken by a bundle
  'cpu-features', // ssh2's optional one (dockerode)
  'msgpackr-extract', // msgpackr's optional one (bullmq)
  // read their own files or spawn their own scripts by path
  'playwright-core',
  'swagger-ui-express',
  'swagger-ui-dist',
  '@bull-board/*',
  'axe-core',
  'css-tree', // ESM that builds require() from import.meta.url for its JSON data
  'dockerode',
  // calls url.parse(), whose runtime deprecation warning Node mutes only for callers under node_modules
  'sequelize',
  // mostly data: as JSON or on demand they are parsed into objects, in a bundle their source would stay in memory too
  'iconv-lite',
  'mime-db',
  // loaded on first use (lazyModule / require inside a function): kept out of the start-up parse
  'cloudinary',
  'yaml',
  'marked',
  'markdown-it',
  'sanitize-html',
  'diff',
  'openai',
  'nodemailer',
];

/** Loaded by the API only on first use (the first enqueue), and by the worker at once: outside the API's bundle only. */
const LAZY_IN_API = ['bullmq'];

/**
 * Inside a bundle every file's `__dirname`/`__filename` would be the bundle's. Each file that uses
 * them gets its own back, as a path relative to the bundle so that a copied tree (the Docker image)
 * still resolves: ours their tsc-output directory (the runner child beside the pool, the prebuilt
 * sandbox helpers, the config's root), a package's its own directory under node_modules (Socket.IO
 * serves its client from there).
 */
function ownDirname(outFile: string, outRoot: string): Plugin {
  return {
    name: 'own-dirname',
    setup(b) {
      b.onLoad({ filter: /\.(ts|js|cjs|mjs)$/ }, async (args) => {
        const source = await fs.promises.readFile(args.path, 'utf8');
        if (!/\b__(dirname|filename)\b/.test(source) || /\b(var|let|const)\s+__(dirname|filename)\b/.test(source)) return undefined;
        const inPackage = args.path.includes(`${path.sep}node_modules${path.sep}`);
        const rel = path.relative(root, args.path);
        const dir = inPackage ? path.dirname(args.path) : path.join(outRoot, path.dirname(rel));
        const file = inPackage ? path.basename(args.path) : path.basename(rel).replace(/\.ts$/, '.js');
        const fromBundle = path.relative(path.dirname(outFile), dir);
        // on the first line: the source map's line numbers stay the file's own
        const prelude = `var __dirname = require('node:path').join(__bundleDir, ${JSON.stringify(fromBundle)}), __filename = require('node:path').join(__dirname, ${JSON.stringify(file)}); `;
        // after a "use strict" prologue (before it, the file would run in sloppy mode); a shebang becomes a comment
        const prologue = /^(?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*(['"])use strict\1;?/.exec(source)?.[0] ?? '';
        const rest = source.slice(prologue.length);
        const contents = prologue + prelude + (rest.startsWith('#!') ? `//${rest}` : rest);
        return { contents, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
      });
    },
  };
}

/**
 * common/db/bundled-migrations.ts, in a bundle: every file of migrations/ required by a literal path,
 * so esbuild compiles them in (each still evaluated only when its step runs), and the migrator runs
 * them from the bundle instead of finding, reading and compiling one file per migration.
 */
function bundledMigrations(): Plugin {
  const listFile = path.join(root, 'common', 'db', 'bundled-migrations.ts');
  const dir = path.join(root, 'migrations');
  return {
    name: 'bundled-migrations',
    setup(b) {
      b.onLoad({ filter: /[\\/]bundled-migrations\.ts$/ }, (args) => {
        if (args.path !== listFile) return undefined;
        const list = migrationNames(dir).map((name) => {
          const file = JSON.stringify(
            `./${path
              .relative(path.dirname(listFile), path.join(dir, `${name}.ts`))
              .split(path.sep)
              .join('/')}`,
          );
          return `  { name: ${JSON.stringify(name)}, load: () => require(${file}) },`;
        });
        return { contents: `export const BUNDLED_MIGRATIONS = [\n${list.join('\n')}\n];\n`, loader: 'ts', resolveDir: path.dirname(listFile) };
      });
    },
  };
}

/**
 * umzug requires its command-line interface at load (@rushstack/ts-command-line, argparse, z-schema,
 * fs-extra: ~150 modules, half of what the migrator brought in) for `runAsCLI`, which we never call:
 * scripts/migrate.ts is our command line. In a bundle that module is a stub that says so if called.
 */
function withoutUmzugCli(): Plugin {
  return {
    name: 'without-umzug-cli',
    setup(b) {
      b.onResolve({ filter: /^\.\/cli$/ }, (args) =>
        /[\\/]node_modules[\\/]umzug[\\/]lib$/.test(args.resolveDir) ? { path: 'umzug-cli', namespace: 'umzug-cli-stub' } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'umzug-cli-stub' }, () => ({
        contents: `exports.UmzugCLI = class UmzugCLI { constructor() { throw new Error("umzug's CLI is not in this bundle: use npm run migrate"); } };`,
        loader: 'js',
      }));
    },
  };
}

interface SourceMapV3 {
  sources: string[];
  mappings: string;
  names: string[];
}

/**
 * The bundle's source map keeps our files only. With the packages' mappings too it was ~5 MB, and
 * Node parses a map whole when it loads the file (`--enable-source-maps`): +115 MB RSS and +1 s of
 * CPU at start. A package's code gets unmapped segments instead of being dropped, so a frame inside
 * it keeps its bundle position rather than borrowing the nearest line of ours.
 */
export function ownSourcesOnly(map: SourceMapV3): SourceMapV3 {
  const ours = map.sources.map((source) => !source.includes('node_modules/'));
  const index = new Map<number, number>();
  const sources = map.sources.filter((_source, i) => ours[i] && index.set(i, index.size));
  const lines = decode(map.mappings).map((line) => {
    const kept: SourceMapSegment[] = [];
    for (const segment of line) {
      if (segment.length > 1 && ours[segment[1]!]) kept.push([segment[0], index.get(segment[1]!)!, segment[2]!, segment[3]!]);
      else if (kept.length === 0 || kept[kept.length - 1]!.length > 1) kept.push([segment[0]]);
    }
    return kept;
  });
  return { ...map, sources, names: [], mappings: encode(lines) };
}

/**
 * esbuild escapes non-ASCII characters in strings and identifiers (charset ascii) but copies comments
 * and regular expression literals as they are, and one `’` in a package's comment made V8 hold the
 * whole bundle as a two-byte string: 11 MB instead of 5.7 MB for the API's, for as long as the process
 * runs. In a comment such a character becomes `?` (two for a character outside the BMP: columns stay
 * where the map says); anywhere else (a regular expression: validator's and markdown-it's have them)
 * it becomes its `\\uXXXX` escape, which means the same character there (a `?` would change the
 * pattern).
 */
export function asciiOnly(code: string): string {
  if (!/[^\p{ASCII}]/u.test(code)) return code;
  const comments: Array<[number, number]> = [];
  parse(code, {
    ecmaVersion: 'latest',
    sourceType: 'script',
    allowHashBang: true,
    allowReturnOutsideFunction: true,
    onComment: (_block, _text, start, end) => void comments.push([start, end]),
  });
  let out = '';
  let from = 0;
  let c = 0;
  for (const m of code.matchAll(/[^\p{ASCII}]/gu)) {
    const at = m.index;
    while (c < comments.length && comments[c]![1] <= at) c++;
    const inComment = c < comments.length && comments[c]![0] <= at;
    const escaped = Array.from({ length: m[0].length }, (_, i) => `\\u${m[0].charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`).join('');
    out += code.slice(from, at) + (inComment ? '?'.repeat(m[0].length) : escaped);
    from = at + m[0].length;
  }
  return out + code.slice(from);
}

/**
 * The bundled packages whose functions do not get their names re-set: the websocket stack, which
 * makes closures per connection. `keepNames` wraps every named function in `__name(fn, "name")`, an
 * `Object.defineProperty` on the function object: for a closure made at each connection (engine.io's
 * `onUpgradeError`, and others) that is a property store of ~256 bytes on each, ~0.5 KB a socket
 * (heap snapshots at 2,000 sockets, bench/README.md, sockets), plus the define's CPU at each call.
 * Nothing reads those names: our logs name our classes and errors, which keep theirs.
 */
const UNNAMED_PACKAGES =
  /^\/\/ node_modules\/(?:[^/\n]+\/node_modules\/)*(?:ws|engine\.io|engine\.io-parser|socket\.io|socket\.io-adapter|socket\.io-parser|@socket\.io\/[^/\n]+)\//;

/** The line esbuild puts before each bundled module: its path alone. */
const MODULE_MARKER = /^\/\/ [\w@.-]+(?:\/[^\s/]+)+$/;

/**
 * In the sections of UNNAMED_PACKAGES (each bundled module starts with a `// node_modules/<path>`
 * line), `__name(` becomes `__keep(`, which returns the function as it is: the same length, so the
 * source map's columns stay right. A class's own `__name(this, …)` (once per class) is left alone.
 */
export function withoutNamesIn(code: string, packages: RegExp = UNNAMED_PACKAGES): string {
  let inside = false;
  return code
    .split('\n')
    .map((line) => {
      // a module's marker is its path alone on the line; other comments do not end a section
      if (line.startsWith('// ') && MODULE_MARKER.test(line)) inside = packages.test(line);
      return inside && line.includes('__name(') ? line.replace(/__name\((?!this,)/g, '__keep(') : line;
    })
    .join('\n');
}

async function bundle(entry: string, outRoot: string): Promise<void> {
  const outFile = path.join(outRoot, entry.replace(/\.ts$/, '.js'));
  const result = await build({
    entryPoints: [path.join(root, entry)],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    external: entry === 'api/server.ts' ? [...EXTERNAL, ...LAZY_IN_API] : EXTERNAL,
    // not minified: a stack trace's bundle line has the `// api/…/file.ts` marker above it; the map
    // gives the .ts line (NODE_OPTIONS=--enable-source-maps, not on by default: README.md#memory-and-start-up)
    sourcemap: 'linked',
    sourcesContent: false,
    // keep class and function names (esbuild renames clashing ones): error names and logs read them
    keepNames: true,
    // __keep: withoutNamesIn's stand-in for __name
    banner: { js: 'const __bundleDir = __dirname, __keep = (target) => target;' },
    // the migrations' module first: each onLoad that returns contents ends the search for that file
    plugins: [bundledMigrations(), withoutUmzugCli(), ownDirname(outFile, outRoot)],
    write: false,
    logLevel: 'warning',
  });
  for (const file of result.outputFiles) {
    const text = file.path.endsWith('.map')
      ? JSON.stringify(ownSourcesOnly(JSON.parse(file.text) as SourceMapV3))
      : withoutNamesIn(asciiOnly(file.text));
    if (/\bvar import_meta\d* = \{\};/.test(text))
      throw new Error(`${file.path}: a bundled package reads import.meta, which a CommonJS bundle does not have: add it to EXTERNAL`);
    await fs.promises.mkdir(path.dirname(file.path), { recursive: true });
    await fs.promises.writeFile(file.path, text);
  }
}

/** Bundles `entries` (all of BUNDLED_ENTRIES by default) into `outRoot`, each at its tsc-output path. */
export async function bundleInto(outRoot: string, entries: readonly string[] = BUNDLED_ENTRIES): Promise<string[]> {
  await Promise.all(entries.map((entry) => bundle(entry, outRoot)));
  return entries.map((entry) => path.join(outRoot, entry.replace(/\.ts$/, '.js')));
}

async function main() {
  const written = await bundleInto(path.resolve(process.argv[2] ?? path.join(root, 'dist')));
  process.stdout.write(`bundled: ${written.map((file) => path.relative(root, file)).join(', ')}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  });
}
