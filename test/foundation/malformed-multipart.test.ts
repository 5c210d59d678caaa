import crypto from 'node:crypto';
import request from 'supertest';
import { expect } from 'chai';
import { app } from '../support/deps';
import { bearer, createSchool } from '../support/factories';

type School = Awaited<ReturnType<typeof createSchool>>;

const BOUNDARY = 'gemaBoundary7MA4YWxkTrZu0gW';

const WITH_BOUNDARY = `multipart/form-data; boundary=${BOUNDARY}`;

/** Forms no multipart parser can read, each as [what is wrong, Content-Type, body given the route's file field]. */
const MALFORMED: [string, string, (field: string) => string][] = [
  [
    'no boundary in the Content-Type',
    'multipart/form-data',
    (field) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="a.txt"\r\n\r\nx\r\n--${BOUNDARY}--\r\n`,
  ],
  [
    'a body cut short in the middle of a file',
    WITH_BOUNDARY,
    (field) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhalf a fi`,
  ],
  ['a bad part header', WITH_BOUNDARY, () => `--${BOUNDARY}\r\n${'X'.repeat(20)}\u0001: bad\r\nno colon here\r\n\r\nx\r\n--${BOUNDARY}--\r\n`],
];

describe('malformed multipart forms answer 400 MALFORMED_MULTIPART, never 500', () => {
  let school: School;
  before(async () => {
    app();
    school = await createSchool();
  });

  // every route that accepts multipart: [operation, method, URL, file field, caller]
  const routes: [string, 'post' | 'patch', () => string, string, (s: School) => School['student']][] = [
    ['POST /api/v2/tutorial/submissions', 'post', () => '/api/v2/tutorial/submissions', 'files', (s) => s.student],
    ['PATCH /api/v2/tutorial/submissions/{id}', 'patch', () => `/api/v2/tutorial/submissions/${crypto.randomUUID()}`, 'files', (s) => s.student],
    ['POST /api/v2/upload', 'post', () => '/api/v2/upload', 'file', (s) => s.teacher],
    ['POST /api/v2/gallery', 'post', () => '/api/v2/gallery', 'image', (s) => s.admin],
    ['POST /api/v2/admin/students/import', 'post', () => '/api/v2/admin/students/import', 'file', (s) => s.admin],
    [
      'POST /api/v2/web-lab/assignments/{id}/draft/upload',
      'post',
      () => `/api/v2/web-lab/assignments/${crypto.randomUUID()}/draft/upload`,
      'archive',
      (s) => s.student,
    ],
  ];

  for (const [name, method, url, field, who] of routes) {
    for (const [problem, contentType, body] of MALFORMED) {
      it(`${name}: ${problem}`, async () => {
        const agent = request(app());
        const res = await agent[method](url())
          .set(bearer(who(school)))
          .set('Content-Type', contentType)
          .send(body(field));
        expect(res.status, JSON.stringify(res.body)).to.equal(400);
        expect(res.body.error.code).to.equal('MALFORMED_MULTIPART');
        expect(res.body.error.details?.stack).to.equal(undefined);
      });
    }
  }
});
