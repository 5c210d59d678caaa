import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSandbox, SandboxUnavailableError } from '../../worker/sandbox';
import { tar } from '../../worker/sandbox/docker/tar';
import { javaMainClass } from '../../worker/sandbox/bwrap/languages';

describe('sandbox selection', function () {
  this.timeout(20_000);

  it('always runs JavaScript in isolated-vm, whatever the backend setting', async () => {
    const sandbox = createSandbox({ backend: 'docker' });
    try {
      expect(sandbox.runnerFor('javascript').name).to.equal('isolated-vm');
    } finally {
      await sandbox.close();
    }
  });

  it('sends python, c, cpp and java to Docker when SANDBOX=docker', async () => {
    const sandbox = createSandbox({ backend: 'docker' });
    try {
      expect(['python', 'c', 'cpp', 'java'].map((l) => sandbox.runnerFor(l as 'python').name)).to.deep.equal([
        'docker',
        'docker',
        'docker',
        'docker',
      ]);
    } finally {
      await sandbox.close();
    }
  });

  it('sends python, c, cpp and java to bubblewrap by default when it works here', async function () {
    const sandbox = createSandbox({ backend: 'auto' });
    try {
      const why = sandbox.unavailableReason('python');
      if (why) {
        process.stdout.write(`      (skipped: ${why})\n`);
        this.skip();
      }
      expect(sandbox.runnerFor('python').name).to.equal('bwrap');
      expect(sandbox.availableLanguages()).to.include.members(['javascript', 'python']);
    } finally {
      await sandbox.close();
    }
  });

  it('throws a named error for a language nothing can run', async () => {
    const sandbox = createSandbox({ backend: 'auto' });
    try {
      const unknown = 'cobol' as 'python';
      expect(() => sandbox.runnerFor(unknown)).to.throw(SandboxUnavailableError);
    } finally {
      await sandbox.close();
    }
  });

  it('finds the public class of a Java entry file, with its package', () => {
    expect(javaMainClass('package lab.one;\n\npublic final class Solver { }')).to.deep.equal({ simple: 'Solver', qualified: 'lab.one.Solver' });
    expect(javaMainClass('class Hidden { }')).to.equal(undefined);
  });

  it("writes a tar archive that tar(1) extracts with the sandbox user's ownership, for Docker's putArchive", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gema-tar-'));
    try {
      const file = path.join(dir, 'a.tar');
      fs.writeFileSync(
        file,
        await tar([
          { name: 'src', uid: 65534, gid: 65534 },
          { name: 'src/main.py', content: 'print("hé")\n', uid: 65534, gid: 65534 },
        ]),
      );
      const listing = execFileSync('tar', ['-tvf', file, '--numeric-owner'], { encoding: 'utf8' });
      expect(listing).to.match(/^d\S+ 65534\/65534 .* src\/$/m);
      expect(listing).to.match(/^-rw-r--r-- 65534\/65534\s+13 .* src\/main\.py$/m);
      execFileSync('tar', ['-xf', file, '-C', dir]);
      expect(fs.readFileSync(path.join(dir, 'src', 'main.py'), 'utf8')).to.equal('print("hé")\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
