import { expect } from 'chai';

describe('runtime', () => {
  it('runs on Node 24 or later', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(major).to.be.at.least(24);
  });
});
