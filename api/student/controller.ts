import type { RequestHandler } from 'express';
import { input } from '../http/validate';
import { sendData } from '../http/respond';
import { getProfile, updateProfile } from './service';
import type { ProfilePatch } from './schemas';

export const showProfile: RequestHandler = async (req, res) => {
  sendData(res, await getProfile(req.user!.id));
};

export const patchProfile: RequestHandler = async (req, res) => {
  sendData(res, await updateProfile(req.user!.id, input<ProfilePatch>(req, 'body')));
};
