import type { Request, Response } from 'express';
import type { ApiDeps } from '../deps';
import { input } from '../http/validate';
import { sendData, sendList } from '../http/respond';
import { CodingTaskService, type CreateTaskInput, type TaskFields, type TaskListQuery } from './task-service';
import { CodingSubmissionWorkflow, type SubmissionListQuery, type SubmitInput } from './submission-service';
import { CodingRunService, type RunInput } from './run-service';
import { CodingRejudgeService } from './rejudge-service';
import { CodingLanguageService } from './language-service';
import type { TestInput } from './schemas';

const me = (req: Request) => req.user!;
const id = (req: Request) => input<{ id: string }>(req, 'params').id;

export function createCodingLabController(deps: ApiDeps) {
  const tasks = new CodingTaskService(deps.sequelize);
  const languages = new CodingLanguageService(deps);
  const submissions = new CodingSubmissionWorkflow(deps, tasks, languages);
  const runs = new CodingRunService(deps, tasks, languages);
  const rejudges = new CodingRejudgeService(deps, tasks);

  return {
    async listTasks(req: Request, res: Response) {
      const query = input<TaskListQuery>(req, 'query');
      const { data, total } = await tasks.list(me(req), query);
      sendList(res, data, { page: query.page, pageSize: query.pageSize, total });
    },
    async getTask(req: Request, res: Response) {
      sendData(res, await tasks.get(me(req), input<{ idOrSlug: string }>(req, 'params').idOrSlug));
    },
    async createTask(req: Request, res: Response) {
      sendData(res, await tasks.create(me(req), input<CreateTaskInput>(req, 'body')), 201);
    },
    async updateTask(req: Request, res: Response) {
      sendData(res, await tasks.update(me(req), id(req), input<TaskFields>(req, 'body')));
    },
    async replaceTests(req: Request, res: Response) {
      sendData(res, await tasks.replaceTests(me(req), id(req), input<{ tests: TestInput[] }>(req, 'body').tests));
    },
    async deleteTask(req: Request, res: Response) {
      await tasks.remove(me(req), id(req));
      res.status(204).end();
    },
    async rejudge(req: Request, res: Response) {
      sendData(res, await rejudges.start(me(req), id(req)), 202);
    },
    async getRejudge(req: Request, res: Response) {
      sendData(res, await rejudges.get(me(req), id(req)));
    },
    async submit(req: Request, res: Response) {
      sendData(res, await submissions.submit(me(req), input<SubmitInput>(req, 'body')), 202);
    },
    async getSubmission(req: Request, res: Response) {
      sendData(res, await submissions.get(me(req), id(req)));
    },
    async listSubmissions(req: Request, res: Response) {
      const query = input<SubmissionListQuery>(req, 'query');
      const { data, total } = await submissions.list(me(req), query);
      sendList(res, data, { page: query.page, pageSize: query.pageSize, total });
    },
    async run(req: Request, res: Response) {
      const { wait } = input<{ wait: boolean }>(req, 'query');
      const outcome = await runs.run(me(req), input<RunInput>(req, 'body'), wait);
      sendData(res, outcome.data, outcome.finished ? 200 : 202);
    },
    async listLanguages(_req: Request, res: Response) {
      const data = await languages.list();
      sendList(res, data, { page: 1, pageSize: data.length, total: data.length });
    },
    async getRun(req: Request, res: Response) {
      sendData(res, await runs.get(me(req), id(req)));
    },
  };
}
