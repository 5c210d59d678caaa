import type { Transaction } from 'sequelize';
import { SchoolEvent } from '../../common/models';
import type { DemoAccounts } from './accounts';

const DAY = 86400_000;

/** Three school events (README.md#admin-school-events-and-audit-log): two on the homepage, one hidden. */
export async function seedSchoolEvents(accounts: DemoAccounts, transaction: Transaction): Promise<void> {
  const at = (days: number, hour: number) => {
    const d = new Date(Date.now() + days * DAY);
    d.setUTCHours(hour, 0, 0, 0);
    return d;
  };
  await SchoolEvent.bulkCreate(
    [
      {
        title: 'Lomba Coding Antar Kelas',
        description: 'Tim tiga siswa, soal algoritma, 3 jam.',
        startsAt: at(3, 1),
        endsAt: at(3, 4),
        location: 'Lab RPL 1',
        capacity: 60,
        registeredCount: 24,
        active: true,
      },
      {
        title: 'Kunjungan Industri',
        description: 'Kunjungan ke kantor pengembang perangkat lunak.',
        startsAt: at(30, 0),
        endsAt: at(30, 8),
        location: 'Bandung',
        capacity: 40,
        registeredCount: 40,
        active: true,
      },
      {
        title: 'Rapat Guru (draft)',
        description: '',
        startsAt: at(7, 6),
        endsAt: null,
        location: null,
        capacity: null,
        registeredCount: 0,
        active: false,
      },
    ].map((e) => ({ ...e, createdBy: accounts.admin.id })),
    { transaction },
  );
}
