import Joi from 'joi';

export const analyticsQuery = Joi.object({
  classroomId: Joi.string().uuid().required(),
  from: Joi.date().iso(),
  to: Joi.date()
    .iso()
    .when('from', { is: Joi.exist(), then: Joi.date().greater(Joi.ref('from')) }),
  /** at risk: missing at least this many … */
  riskMissing: Joi.number().integer().min(1).max(50).default(2),
  /** … of this many latest assignments already due */
  riskWindow: Joi.number().integer().min(1).max(50).default(5),
});

export interface AnalyticsQuery {
  classroomId: string;
  from?: Date;
  to?: Date;
  riskMissing: number;
  riskWindow: number;
}
