import express from 'express';
import request from 'supertest';
import { expect } from 'chai';
import { servedContract } from '../support/response-contract';

/**
 * The check every spec's responses pass through (test/support/response-contract.ts): these hold the
 * checker itself to what it promises, so a broken checker cannot pass everything silently.
 */
describe('responses held to the served OpenAPI document', () => {
  const json = (status: number, body: unknown) => ({
    status,
    contentType: 'application/json; charset=utf-8',
    body,
    length: JSON.stringify(body).length,
  });

  it('finds the operation of a URL, preferring a literal segment to a path parameter', () => {
    expect(servedContract().findOperation('GET', '/api/v2/announcements/3f1c0a52-9d7e-4d55-9a3e-0d2f8c1b6a11')?.path).to.equal(
      '/api/v2/announcements/{id}',
    );
    expect(servedContract().findOperation('GET', '/api/v2/activities/active')?.path).to.equal('/api/v2/activities/active');
    expect(servedContract().findOperation('PUT', '/health'), 'an undocumented method').to.equal(undefined);
  });

  it('accepts a documented status with a body its schema allows', () => {
    const op = servedContract().findOperation('GET', '/api/v2/auth/session')!;
    expect(servedContract().responseProblems(op, json(401, { error: { code: 'UNAUTHENTICATED', message: 'no' } }))).to.deep.equal([]);
  });

  it('refuses a status the operation does not document', () => {
    const op = servedContract().findOperation('GET', '/api/v2/auth/session')!;
    expect(servedContract().responseProblems(op, json(418, { error: { code: 'TEAPOT', message: 'no' } }))).to.deep.equal([
      'status 418 is not documented',
    ]);
  });

  it('refuses a body its schema does not allow, naming the field', () => {
    const op = servedContract().findOperation('GET', '/api/v2/auth/session')!;
    const problems = servedContract().responseProblems(op, json(401, { error: { message: 'no code' } }));
    expect(problems.join('\n')).to.include("body/error must have required property 'code'");
  });

  it('refuses a content type the status does not list', () => {
    const op = servedContract().findOperation('GET', '/api/v2/auth/session')!;
    const problems = servedContract().responseProblems(op, { status: 401, contentType: 'text/html', body: {}, length: 10 });
    expect(problems.join('\n')).to.include('Content-Type text/html is not one of application/json');
  });

  it('fails a supertest request whose response disagrees with the document', async () => {
    // an app that answers the documented /health with a body its schema refuses
    const liar = express().get('/health', (_req, res) => res.status(503).json({ status: 'down' }));
    const err = await request(liar)
      .get('/health')
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(err?.message).to.include('disagrees with the OpenAPI document (GET /health)');
  });
});
