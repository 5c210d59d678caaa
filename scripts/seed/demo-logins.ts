/**
 * The demo school's password and the logins `npm start` prints: a file of its own so the start
 * supervisor can print them without loading the seed (and with it the models and Sequelize).
 */
export const DEMO_PASSWORD = 'gema-demo-2025';

export const DEMO_LOGINS = [
  { role: 'admin', email: 'admin@gema.local' },
  { role: 'teacher', email: 'guru.rina@gema.local' },
  { role: 'student', email: 'ayu@gema.local' },
];
