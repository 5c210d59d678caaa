import type { ProgressEvent } from './types';

/**
 * A progress bar per entity on a terminal (redrawn in place), or one line per finished entity when
 * the output is a file or a pipe (a nightly cron job's log stays readable).
 */
export function terminalProgress(stream: NodeJS.WriteStream): (e: ProgressEvent) => void {
  let current = '';
  return (e) => {
    const finished = e.done >= e.total;
    if (!stream.isTTY) {
      if (finished) stream.write(`${e.entity}: ${e.done}/${e.total}\n`);
      return;
    }
    if (current && current !== e.entity) stream.write('\n');
    current = e.entity;
    const width = 30;
    const ratio = e.total ? Math.min(1, e.done / e.total) : 1;
    const filled = Math.round(ratio * width);
    stream.write(`\r${e.entity.padEnd(22)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${e.done}/${e.total}`);
    if (finished) {
      stream.write('\n');
      current = '';
    }
  };
}
