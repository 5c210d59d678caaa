import { expect } from 'chai';
import { createSandbox, LANGUAGES, type Language, type Sandbox } from '../../worker/sandbox';

/**
 * The conformance suite skips a language this machine cannot sandbox, which is right on a laptop
 * but would let CI pass without ever running Python or C. `.ci/run` names the languages CI must run
 * in SANDBOX_REQUIRED_LANGUAGES, and this spec fails when any of them is unavailable.
 */
const required = (process.env.SANDBOX_REQUIRED_LANGUAGES ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

describe('languages this machine must sandbox (SANDBOX_REQUIRED_LANGUAGES)', () => {
  let sandbox: Sandbox;
  before(function () {
    if (required.length === 0) this.skip();
    sandbox = createSandbox({ backend: 'auto' });
  });
  after(async () => sandbox?.close());

  it('names only languages GEMA knows', () => {
    expect(LANGUAGES).to.include.members(required);
  });

  for (const language of required) {
    it(`can run ${language} here`, () => {
      expect(sandbox.unavailableReason(language as Language), `${language} is unavailable`).to.equal(undefined);
    });
  }
});
