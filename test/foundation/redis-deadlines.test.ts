import { expect } from 'chai';
import { CommandDeadlines } from '../../common/redis-deadlines';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a command's promise came to, looked at without waiting for it. */
function outcome(promise: Promise<unknown>): { value?: unknown; error?: Error } {
  const seen: { value?: unknown; error?: Error } = {};
  promise.then(
    (value) => (seen.value = value),
    (error: Error) => (seen.error = error),
  );
  return seen;
}

describe('command timeouts without a timer per command (common/redis-deadlines.ts)', () => {
  it('rejects a command still unanswered when its timeout has passed, with ioredis’s own error', async () => {
    const command = new CommandDeadlines().command('get', ['k'], {});
    command.setTimeout(20);
    const seen = outcome(command.promise);
    await sleep(60);
    expect(seen.error?.message).to.equal('Command timed out');
  });

  it('does not reject a command before its timeout', async () => {
    const command = new CommandDeadlines().command('get', ['k'], {});
    command.setTimeout(200);
    const seen = outcome(command.promise);
    await sleep(30);
    expect(seen).to.deep.equal({});
  });

  it('leaves an answered command as it was answered', async () => {
    const command = new CommandDeadlines().command('get', ['k'], {});
    command.setTimeout(20);
    command.resolve('v');
    const seen = outcome(command.promise);
    await sleep(60);
    expect(seen).to.deep.equal({ value: 'v' });
  });

  it('rejects each of several unanswered commands once its own timeout has passed', async () => {
    const deadlines = new CommandDeadlines();
    const first = deadlines.command('get', ['a'], {});
    first.setTimeout(20);
    const seenFirst = outcome(first.promise);
    await sleep(40);
    const second = deadlines.command('get', ['b'], {});
    second.setTimeout(60);
    const seenSecond = outcome(second.promise);
    await sleep(10);
    expect([seenFirst.error?.message, seenSecond.error]).to.deep.equal(['Command timed out', undefined]);
    await sleep(90);
    expect(seenSecond.error?.message).to.equal('Command timed out');
  });

  it('keeps the first deadline when a command is sent again (a reconnect resends it)', async () => {
    const command = new CommandDeadlines().command('get', ['k'], {});
    command.setTimeout(20);
    await sleep(10);
    command.setTimeout(1000);
    const seen = outcome(command.promise);
    await sleep(40);
    expect(seen.error?.message).to.equal('Command timed out');
  });

  it('holds only the commands still in flight, not every answered one', () => {
    const deadlines = new CommandDeadlines();
    for (let i = 0; i < 1000; i++) {
      const command = deadlines.command('get', [`k${i}`], {});
      command.setTimeout(1000);
      command.resolve('v');
    }
    deadlines.command('get', ['last'], {}).setTimeout(1000);
    expect(deadlines.size).to.equal(1);
  });
});
