import fs from 'node:fs';

/**
 * The few file operations the cgroup code uses, in one place so a test can run the cgroup v2 logic
 * against a plain directory that behaves like cgroupfs (test/sandbox/cgroup.test.ts).
 */
export class CgroupFs {
  read(file: string): string {
    return fs.readFileSync(file, 'utf8');
  }

  tryRead(file: string): string | undefined {
    try {
      return this.read(file);
    } catch {
      return undefined;
    }
  }

  write(file: string, text: string): void {
    fs.writeFileSync(file, text);
  }

  exists(file: string): boolean {
    return fs.existsSync(file);
  }

  writable(dir: string): boolean {
    try {
      fs.accessSync(dir, fs.constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }

  mkdir(dir: string): void {
    try {
      fs.mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }

  /** removes an (empty) group; true when gone */
  rmdir(dir: string): boolean {
    try {
      fs.rmdirSync(dir);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ENOENT';
    }
  }

  subdirs(dir: string): string[] {
    try {
      return fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return [];
    }
  }

  pids(procsFile: string): number[] {
    const text = this.tryRead(procsFile) ?? '';
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map(Number);
  }
}
