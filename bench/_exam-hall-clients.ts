import '../common/require-node';
import fs from 'node:fs';
import http from 'node:http';
import readline from 'node:readline';
import { io as connect, type Socket } from 'socket.io-client';

/**
 * The exam hall's students and teachers, in a process of their own (bench/exam-hall.ts): one
 * Socket.IO client per student and per teacher, connected before the burst. On `BURST <language> <timeoutMs>`
 * every student POSTs one submission at once; the process then waits until each accepted submission's
 * `grading:completed` has reached its student and its classroom's teacher, and prints
 * `RESULT <json>`: per submission the HTTP status, and the delays from its own POST and from the
 * first POST to the student's and the teacher's event (waiting at most `timeoutMs`). `QUIT` closes everything.
 *
 *   _exam-hall-clients.ts <plan.json>
 */
interface Plan {
  url: string;
  taskId: string;
  students: Array<{ token: string; classroom: number }>;
  teachers: string[];
  programs: Record<string, string>;
}
const plan = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as Plan;
// one connection per student, as 200 browsers would have
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

const studentSeen = new Map<string, number>();
const teacherSeen = new Map<string, number>();
let onEvent: () => void = () => undefined;

function open(token: string, seen: Map<string, number>): Promise<Socket> {
  const socket = connect(plan.url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  socket.on('grading:completed', (p: { submissionId: string }) => {
    if (!seen.has(p.submissionId)) seen.set(p.submissionId, performance.now());
    onEvent();
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

function post(token: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const req = http.request(
      `${plan.url}/api/v2/coding-lab/submissions`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, timeout: 30_000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    // a request that gets no answer is the failure the exam hall must never see: counted as status 0
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, text: '' }));
    req.end(body);
  });
}

async function burst(language: string, timeoutMs: number) {
  studentSeen.clear();
  teacherSeen.clear();
  const body = JSON.stringify({ taskId: plan.taskId, language, source: plan.programs[language] });
  const first = performance.now();
  const posts = await Promise.all(
    plan.students.map(async (s) => {
      const sentAt = performance.now();
      const res = await post(s.token, body);
      const id = res.status === 202 ? (JSON.parse(res.text) as { data: { id: string } }).data.id : undefined;
      return { status: res.status, id, sentAt, answeredAt: performance.now() };
    }),
  );
  const accepted = posts.filter((p) => p.id);
  const allSeen = () => accepted.every((p) => studentSeen.has(p.id!) && teacherSeen.has(p.id!));
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    onEvent = () => {
      if (allSeen()) {
        clearTimeout(timer);
        resolve();
      }
    };
    onEvent();
  });
  onEvent = () => undefined;
  const round = (n: number | undefined) => (n === undefined ? null : Math.round(n * 10) / 10);
  return {
    language,
    submissions: posts.map((p) => ({
      status: p.status,
      answerMs: round(p.answeredAt - p.sentAt),
      studentMs: round(p.id && studentSeen.has(p.id) ? studentSeen.get(p.id)! - p.sentAt : undefined),
      teacherMs: round(p.id && teacherSeen.has(p.id) ? teacherSeen.get(p.id)! - p.sentAt : undefined),
      sinceFirstPostMs: round(
        p.id && studentSeen.has(p.id) && teacherSeen.has(p.id) ? Math.max(studentSeen.get(p.id)!, teacherSeen.get(p.id)!) - first : undefined,
      ),
    })),
    firstPostEpochMs: performance.timeOrigin + first,
  };
}

async function main() {
  const sockets = await Promise.all([...plan.students.map((s) => open(s.token, studentSeen)), ...plan.teachers.map((t) => open(t, teacherSeen))]);
  process.stdout.write(`CONNECTED ${sockets.length}\n`);
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const [command, language, timeoutMs] = line.trim().split(' ');
    if (command === 'BURST') process.stdout.write(`RESULT ${JSON.stringify(await burst(language!, Number(timeoutMs)))}\n`);
    if (command === 'QUIT') break;
  }
  sockets.forEach((s) => s.close());
  agent.destroy();
  process.exit(0);
}

main().catch((err: Error) => {
  process.stderr.write(`exam-hall clients failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
