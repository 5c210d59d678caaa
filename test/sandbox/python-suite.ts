import { expect } from 'chai';
import { BwrapRunner } from '../../worker/sandbox/bwrap/runner';
import type { Limits, PreparedProgram, SourceFile } from '../../worker/sandbox/types';

export const PYTHON_LIMITS: Limits = { timeMs: 2000, memoryMb: 128 };

/**
 * The set-up the Python harness suites share, called inside their `describe`: one bubblewrap runner
 * for the suite (skipped, with the reason printed, where Python or control groups are missing) and
 * `prepare`, whose programs are disposed after each test unless the test took them out of `open`.
 */
export function pythonSandboxSuite() {
  const runner = new BwrapRunner();
  const open: PreparedProgram[] = [];

  before(function () {
    const why = runner.unavailableReason('python');
    if (why || !runner.isolation().manager) {
      process.stdout.write(`      (skipped: ${why ?? 'no control groups'})\n`);
      this.skip();
    }
  });
  afterEach(async () => Promise.all(open.splice(0).map((p) => p.dispose())));
  after(() => runner.close());

  /** prepares `files` (or one main.py holding them) and checks that the syntax check passed */
  async function prepare(files: SourceFile[] | string, options: { reuseKey?: string } = {}, limits = PYTHON_LIMITS) {
    const list = typeof files === 'string' ? [{ name: 'main.py', content: files }] : files;
    const prog = await runner.prepare('python', list, limits, options);
    open.push(prog);
    expect(prog.compile.ok, prog.compile.output).to.equal(true);
    return prog;
  }

  /** adds a program prepared by other means to those disposed after the test */
  const track = (prog: PreparedProgram) => void open.push(prog);
  /** takes `prog` out of the programs disposed after the test, for a test that disposes it itself */
  const release = (prog: PreparedProgram) => void open.splice(open.indexOf(prog), 1);

  return { runner, prepare, track, release };
}
