import { Op, ValidationError as SequelizeValidationError, DatabaseError, type WhereOptions } from 'sequelize';
import { AuditEntry, SchoolEvent } from '../../../common/models';
import { NotFoundError, UnprocessableError } from '../../../common/errors';
import type { Actor } from '../../access/classrooms';
import type { EventInput, EventListQuery } from './schemas';

export interface EventView {
  id: string;
  title: string;
  description: string;
  startsAt: Date;
  endsAt: Date | null;
  location: string | null;
  capacity: number | null;
  registeredCount: number;
  /** places left, or null for an event without a capacity */
  placesLeft: number | null;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const view = (e: SchoolEvent): EventView => ({
  id: e.id,
  title: e.title,
  description: e.description,
  startsAt: e.startsAt,
  endsAt: e.endsAt,
  location: e.location,
  capacity: e.capacity,
  registeredCount: e.registeredCount,
  placesLeft: e.capacity === null ? null : e.capacity - e.registeredCount,
  active: e.active,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
});

const CHECK_VIOLATION = '23514';

/** School events (README.md#admin-school-events-and-audit-log): admins write, the homepage reads. */
export class SchoolEventService {
  async list(query: EventListQuery, window: { limit: number; offset: number }): Promise<{ rows: EventView[]; total: number }> {
    const and: WhereOptions<SchoolEvent>[] = [];
    if (query.active !== undefined) and.push({ active: query.active });
    if (query.from) and.push({ startsAt: { [Op.gte]: query.from } });
    if (query.to) and.push({ startsAt: { [Op.lt]: query.to } });
    const { rows, count } = await SchoolEvent.findAndCountAll({
      where: { [Op.and]: and },
      order: [
        ['startsAt', 'DESC'],
        ['id', 'ASC'],
      ],
      ...window,
    });
    return { rows: rows.map(view), total: count };
  }

  /** Active events happening now or later, soonest first: what the homepage shows. */
  async upcoming(window: { limit: number; offset: number }, now = new Date()): Promise<{ rows: EventView[]; total: number }> {
    const { rows, count } = await SchoolEvent.findAndCountAll({
      where: {
        active: true,
        [Op.or]: [{ endsAt: { [Op.gte]: now } }, { endsAt: null, startsAt: { [Op.gte]: startOfDay(now) } }],
      },
      order: [
        ['startsAt', 'ASC'],
        ['id', 'ASC'],
      ],
      ...window,
    });
    return { rows: rows.map(view), total: count };
  }

  async create(actor: Actor, input: EventInput): Promise<EventView> {
    // the create schema makes title and startsAt required
    const fields = { endsAt: null, location: null, capacity: null, ...input, title: input.title!, startsAt: input.startsAt! };
    const event = await this.checked(() => SchoolEvent.create({ ...fields, createdBy: actor.id }));
    await AuditEntry.record({ type: 'event_changed', userId: actor.id, details: { eventId: event.id, action: 'created' } });
    return view(event);
  }

  async update(actor: Actor, id: string, input: EventInput): Promise<EventView> {
    const event = await this.find(id);
    await this.checked(() => event.update(input));
    await AuditEntry.record({ type: 'event_changed', userId: actor.id, details: { eventId: id, action: 'updated', fields: Object.keys(input) } });
    return view(event);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    const event = await this.find(id);
    await event.destroy();
    await AuditEntry.record({ type: 'event_changed', userId: actor.id, details: { eventId: id, action: 'deleted', title: event.title } });
  }

  private async find(id: string): Promise<SchoolEvent> {
    const event = await SchoolEvent.findByPk(id);
    if (!event) throw new NotFoundError('Event');
    return event;
  }

  /** The table's checks (end before start, more registered than places) become a 422 naming the rule. */
  private async checked<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      const parent = (err as DatabaseError).parent as { code?: string; constraint?: string } | undefined;
      if (err instanceof DatabaseError && parent?.code === CHECK_VIOLATION) {
        if (parent.constraint === 'school_events_ends_after_start') throw new UnprocessableError('ENDS_BEFORE_START', 'endsAt is before startsAt');
        if (parent.constraint === 'school_events_registered_within_capacity')
          throw new UnprocessableError('OVER_CAPACITY', 'registeredCount is above capacity');
      }
      if (err instanceof SequelizeValidationError) throw new UnprocessableError('INVALID_EVENT', err.message);
      throw err;
    }
  }
}

/** An event with no end is shown for the whole of the day it starts. */
function startOfDay(d: Date): Date {
  const day = new Date(d);
  day.setUTCHours(0, 0, 0, 0);
  return day;
}
