import { expect } from 'chai';
import { ConnectionAcquireTimeoutError, ConnectionError, DatabaseError, UniqueConstraintError } from 'sequelize';
import { unavailableDependency } from '../../common/runtime/dependency-errors';

/** A Sequelize query error whose driver error (`parent`/`original`) has this code and message. */
function queryError(code: string | undefined, message = 'boom'): DatabaseError {
  const driver = Object.assign(new Error(message), code === undefined ? {} : { code }, { sql: 'SELECT 1' });
  return new DatabaseError(driver as Error & { sql: string });
}

describe('which dependency an error says is away', () => {
  it('names PostgreSQL for a query that failed with a connection-exception SQLSTATE (class 08)', () => {
    expect(unavailableDependency(queryError('08006'))).to.equal('postgres');
  });

  it('names PostgreSQL for a query cut by an administrator shutdown (57P01)', () => {
    expect(unavailableDependency(queryError('57P01'))).to.equal('postgres');
  });

  it('names PostgreSQL for a query whose connection was terminated, whatever its code', () => {
    expect(unavailableDependency(queryError(undefined, 'Connection terminated unexpectedly'))).to.equal('postgres');
  });

  it('names PostgreSQL for a query whose socket was reset', () => {
    expect(unavailableDependency(queryError('ECONNRESET'))).to.equal('postgres');
  });

  it('names nothing for a query that failed on its own (a syntax error)', () => {
    expect(unavailableDependency(queryError('42601', 'syntax error at or near "SELEC"'))).to.equal(undefined);
  });

  it('names nothing for a constraint violation', () => {
    expect(unavailableDependency(new UniqueConstraintError({ message: 'duplicate' }))).to.equal(undefined);
  });

  it('names PostgreSQL for a refused connection', () => {
    expect(unavailableDependency(new ConnectionError(new Error('connect ECONNREFUSED')))).to.equal('postgres');
  });

  it('names nothing for a pool whose connections all stayed busy', () => {
    expect(unavailableDependency(new ConnectionAcquireTimeoutError(new Error('timeout')))).to.equal(undefined);
  });

  it('names Redis for a command whose retries ran out', () => {
    const err = Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' });
    expect(unavailableDependency(err)).to.equal('redis');
  });

  it("names Redis for ioredis's closed-connection and timed-out commands", () => {
    expect(unavailableDependency(new Error('Connection is closed.'))).to.equal('redis');
    expect(unavailableDependency(new Error('Command timed out'))).to.equal('redis');
  });

  it('names nothing for any other error, or for something thrown that is not an error', () => {
    expect(unavailableDependency(new Error('Cannot read properties of undefined'))).to.equal(undefined);
    expect(unavailableDependency(Object.assign(new Error(''), { message: '' }))).to.equal(undefined);
    expect(unavailableDependency('a string')).to.equal(undefined);
    expect(unavailableDependency(undefined)).to.equal(undefined);
    expect(unavailableDependency(null)).to.equal(undefined);
  });
});
