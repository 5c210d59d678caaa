import { expect } from 'chai';
import { trimHeapWhenIdle } from '../../common/runtime/idle-heap-trim';

/** A trim driven by hand: each tick reads the next utilization from the list. */
function trimWith(utilizations: number[]) {
  let collections = 0;
  const trim = trimHeapWhenIdle({ sample: () => utilizations.shift() ?? 0, collect: () => void collections++ });
  trim.stop(); // the test calls tick() itself
  return { trim, collections: () => collections };
}

describe('idle heap trim', () => {
  it('collects once when the process goes quiet after start-up', () => {
    const { trim, collections } = trimWith([0.9, 0.01, 0.01, 0.01]);
    expect([trim.tick(), trim.tick(), trim.tick(), trim.tick()]).to.deep.equal([false, true, false, false]);
    expect(collections()).to.equal(1);
  });

  it('does not collect while the event loop is busy', () => {
    const { trim, collections } = trimWith([0.5, 0.3, 0.06]);
    for (let i = 0; i < 3; i++) trim.tick();
    expect(collections()).to.equal(0);
  });

  it('collects again after a busy spell, not after a merely light one', () => {
    const { trim, collections } = trimWith([0.01, 0.1, 0.01, 0.6, 0.01]);
    for (let i = 0; i < 5; i++) trim.tick();
    expect(collections()).to.equal(2);
  });

  it("reaches V8's memory-reducing collection without leaving a global gc behind", () => {
    const trim = trimHeapWhenIdle({ sample: () => 0 });
    trim.stop();
    expect(trim.tick()).to.equal(true);
    expect((globalThis as { gc?: unknown }).gc).to.equal(undefined);
  });
});
