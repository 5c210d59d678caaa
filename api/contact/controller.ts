import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import { input } from '../http/validate';
import { sendData, sendList } from '../http/respond';
import type { ContactService } from './service';
import type { ContactInput, InboxQuery } from './schemas';

export function contactController(service: ContactService) {
  /**
   * A filled honeypot gets the same 201 a person gets, with an id that exists nowhere, so the bot
   * learns nothing; nothing is stored, sent or counted against a limit.
   */
  const honeypot: RequestHandler = (req, res, next) => {
    if (input<ContactInput>(req, 'body').website) return sendData(res, { id: crypto.randomUUID() }, 201);
    next();
  };
  const submit: RequestHandler = async (req, res) => {
    sendData(res, await service.submit(input<ContactInput>(req, 'body')), 201);
  };
  const inbox: RequestHandler = async (req, res) => {
    const query = input<InboxQuery>(req, 'query');
    const { rows, total } = await service.inbox(query);
    sendList(res, rows, { page: query.page, pageSize: query.pageSize, total });
  };
  const setStatus: RequestHandler = async (req, res) => {
    const { id } = input<{ id: string }>(req, 'params');
    sendData(res, await service.setStatus(id, input<{ status: 'unread' | 'read' | 'replied' }>(req, 'body').status));
  };
  const reply: RequestHandler = async (req, res) => {
    const { id } = input<{ id: string }>(req, 'params');
    sendData(res, await service.reply(req.user!.id, id, input<{ message: string }>(req, 'body').message), 201);
  };
  return { honeypot, submit, inbox, setStatus, reply };
}
