import type { Transaction } from 'sequelize';
import { Announcement, ContactMessage } from '../../common/models';
import { renderMarkdown } from '../../common/content/markdown';
import type { DemoAccounts } from './accounts';

const DAY = 24 * 3600_000;

/** The public site's demo data: homepage announcements, an upcoming event, an unread contact message. */
export async function seedSite(accounts: DemoAccounts, transaction: Transaction): Promise<void> {
  const now = Date.now();
  const items = [
    { title: 'Selamat datang di GEMA', category: 'system', important: true, content: 'Portal belajar **pemrograman** SMK kita.', days: -10 },
    { title: 'Lomba Coding Antar Kelas', category: 'event', content: 'Daftar di ruang lab **RPL 1** sebelum Jumat.', days: -2, deadline: 12 },
    { title: 'Libur Semester', category: 'system', content: 'Kegiatan belajar mulai lagi pada 5 Januari.', days: -1 },
  ] as const;
  for (const item of items) {
    await Announcement.create(
      {
        title: item.title,
        excerpt: item.content.replace(/\*/g, ''),
        content: item.content,
        contentHtml: renderMarkdown(item.content),
        category: item.category,
        important: 'important' in item ? item.important : false,
        showOnHomepage: true,
        publishAt: new Date(now + item.days * DAY),
        deadline: 'deadline' in item ? new Date(now + item.deadline * DAY) : null,
        notifiedAt: new Date(now + item.days * DAY),
        authorId: accounts.admin.id,
      },
      { transaction },
    );
  }
  await ContactMessage.create(
    { name: 'Ibu Sari', email: 'sari@example.com', subject: 'Pendaftaran siswa baru', message: 'Kapan pendaftaran dibuka?' },
    { transaction },
  );
}
