import type { Transaction } from 'sequelize';
import { CodingTask, CodingTestCase, type CodingLanguage, type Comparison, type Difficulty, type Visibility } from '../../common/models';
import type { DemoAccounts } from './accounts';

interface DemoTest {
  name: string;
  stdin: string;
  expected: string;
  visibility?: Visibility;
  sample?: boolean;
  points?: number;
}

interface DemoTask {
  slug: string;
  title: string;
  difficulty: Difficulty;
  tags: string[];
  description: string;
  comparison?: Comparison;
  tolerance?: number;
  languages?: CodingLanguage[];
  scoring?: 'partial' | 'all_or_nothing';
  tests: DemoTest[];
}

const ALL: CodingLanguage[] = ['javascript', 'python', 'c', 'cpp', 'java'];

/** Starter code that reads all of stdin, in each language. */
const STARTER: Record<CodingLanguage, string> = {
  javascript: '// `stdin` holds the whole input; readLine() reads one line\nconst input = stdin.trim();\nconsole.log(input);\n',
  python: 'import sys\n\ndata = sys.stdin.read().split()\nprint(data)\n',
  c: '#include <stdio.h>\n\nint main(void) {\n    int n;\n    if (scanf("%d", &n) != 1) return 0;\n    printf("%d\\n", n);\n    return 0;\n}\n',
  cpp: '#include <iostream>\nusing namespace std;\n\nint main() {\n    int n;\n    cin >> n;\n    cout << n << endl;\n    return 0;\n}\n',
  java: 'import java.util.Scanner;\n\npublic class Main {\n    public static void main(String[] args) {\n        Scanner in = new Scanner(System.in);\n        System.out.println(in.nextLine());\n    }\n}\n',
};

const fizz = (n: number) =>
  Array.from({ length: n }, (_, i) => i + 1)
    .map((i) => (i % 15 === 0 ? 'FizzBuzz' : i % 3 === 0 ? 'Fizz' : i % 5 === 0 ? 'Buzz' : String(i)))
    .join('\n');

const fib = (n: number) => {
  let [a, b] = [0n, 1n];
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return String(a);
};

export const DEMO_TASKS: DemoTask[] = [
  {
    slug: 'hello-gema',
    title: 'Hello, GEMA!',
    difficulty: 'easy',
    tags: ['basics', 'output'],
    description: 'Print exactly `Hello, GEMA!` followed by a newline.',
    comparison: 'exact',
    tests: [{ name: 'greeting', stdin: '', expected: 'Hello, GEMA!\n', sample: true }],
  },
  {
    slug: 'sum-of-numbers',
    title: 'Sum of input numbers',
    difficulty: 'easy',
    tags: ['basics', 'loops', 'io'],
    description: 'Read whole numbers separated by spaces or newlines until the end of input and print their sum.',
    tests: [
      { name: 'two numbers', stdin: '1 2\n', expected: '3', sample: true },
      { name: 'one per line', stdin: '10\n20\n30\n', expected: '60', sample: true },
      { name: 'negatives', stdin: '-5 3 -1\n', expected: '-3', visibility: 'hide_if_succeed' },
      { name: 'large', stdin: '1000000000 1000000000 1000000000\n', expected: '3000000000', visibility: 'hide', points: 2 },
      { name: 'empty input', stdin: '', expected: '0', visibility: 'hide' },
    ],
  },
  {
    slug: 'fizzbuzz',
    title: 'FizzBuzz',
    difficulty: 'easy',
    tags: ['loops', 'conditionals'],
    description:
      'Read `n` and print the numbers 1 to `n`, one per line, but `Fizz` for multiples of 3, `Buzz` for multiples of 5 and `FizzBuzz` for multiples of both.',
    tests: [
      { name: 'n = 5', stdin: '5\n', expected: fizz(5), sample: true },
      { name: 'n = 15', stdin: '15\n', expected: fizz(15), sample: true },
      { name: 'n = 1', stdin: '1\n', expected: fizz(1), visibility: 'hide_if_succeed' },
      { name: 'n = 100', stdin: '100\n', expected: fizz(100), visibility: 'hide', points: 2 },
    ],
  },
  {
    slug: 'palindrome',
    title: 'Palindrome',
    difficulty: 'easy',
    tags: ['strings'],
    description: 'Read one line. Print `YES` if its letters read the same both ways (ignoring case, spaces and punctuation), else `NO`.',
    tests: [
      { name: 'katak', stdin: 'katak\n', expected: 'YES', sample: true },
      { name: 'gema', stdin: 'gema\n', expected: 'NO', sample: true },
      { name: 'sentence', stdin: 'A man, a plan, a canal: Panama\n', expected: 'YES', visibility: 'hide' },
      { name: 'mixed case', stdin: 'Kasur ini rusak\n', expected: 'YES', visibility: 'hide' },
      { name: 'almost', stdin: 'abca\n', expected: 'NO', visibility: 'hide' },
    ],
  },
  {
    slug: 'circle-area',
    title: 'Area of a circle',
    difficulty: 'easy',
    tags: ['math', 'float'],
    description: 'Read a radius `r` (a real number) and print the area of the circle. Answers within 0.001 are accepted.',
    comparison: 'float',
    tolerance: 1e-3,
    tests: [
      { name: 'r = 1', stdin: '1\n', expected: '3.14159265', sample: true },
      { name: 'r = 2.5', stdin: '2.5\n', expected: '19.63495408', sample: true },
      { name: 'r = 10', stdin: '10\n', expected: '314.15926536', visibility: 'hide' },
      { name: 'r = 0', stdin: '0\n', expected: '0', visibility: 'hide' },
    ],
  },
  {
    slug: 'average-score',
    title: 'Average score',
    difficulty: 'easy',
    tags: ['math', 'float', 'loops'],
    description: 'The first line holds `n`, the second `n` scores. Print their average; answers within 0.01 are accepted.',
    comparison: 'float',
    tolerance: 1e-2,
    tests: [
      { name: 'three scores', stdin: '3\n80 90 100\n', expected: '90', sample: true },
      { name: 'not whole', stdin: '2\n70 75\n', expected: '72.5', visibility: 'hide_if_succeed' },
      { name: 'one', stdin: '1\n42\n', expected: '42', visibility: 'hide' },
    ],
  },
  {
    slug: 'largest-number',
    title: 'Largest number',
    difficulty: 'easy',
    tags: ['arrays', 'loops'],
    description: 'The first line holds `n`, the second `n` whole numbers. Print the largest.',
    comparison: 'tokens',
    tests: [
      { name: 'small', stdin: '4\n3 9 2 7\n', expected: '9', sample: true },
      { name: 'negatives only', stdin: '3\n-8 -3 -5\n', expected: '-3', visibility: 'hide' },
      { name: 'single', stdin: '1\n5\n', expected: '5', visibility: 'hide' },
    ],
  },
  {
    slug: 'reverse-words',
    title: 'Reverse the words',
    difficulty: 'medium',
    tags: ['strings'],
    description: 'Read one line and print its words in reverse order, separated by single spaces.',
    tests: [
      { name: 'three words', stdin: 'saya suka kode\n', expected: 'kode suka saya', sample: true },
      { name: 'one word', stdin: 'GEMA\n', expected: 'GEMA', visibility: 'hide_if_succeed' },
      { name: 'extra spaces', stdin: '  a   b  c \n', expected: 'c b a', visibility: 'hide' },
    ],
  },
  {
    slug: 'fibonacci',
    title: 'N-th Fibonacci number',
    difficulty: 'medium',
    tags: ['math', 'loops'],
    description: 'Read `n` (0 ≤ n ≤ 90) and print F(n), where F(0) = 0 and F(1) = 1. Mind the size of the numbers.',
    tests: [
      { name: 'n = 10', stdin: '10\n', expected: fib(10), sample: true },
      { name: 'n = 0', stdin: '0\n', expected: fib(0), visibility: 'hide_if_succeed' },
      { name: 'n = 50', stdin: '50\n', expected: fib(50), visibility: 'hide' },
      { name: 'n = 90', stdin: '90\n', expected: fib(90), visibility: 'hide', points: 2 },
    ],
  },
  {
    slug: 'prime-check',
    title: 'Is it prime?',
    difficulty: 'medium',
    tags: ['math'],
    description: 'Read a whole number `n` (1 ≤ n ≤ 10^12) and print `PRIME` or `NOT PRIME`. Too slow a method runs out of time.',
    scoring: 'all_or_nothing',
    tests: [
      { name: 'seven', stdin: '7\n', expected: 'PRIME', sample: true },
      { name: 'one', stdin: '1\n', expected: 'NOT PRIME', sample: true },
      { name: 'big prime', stdin: '999999000001\n', expected: 'PRIME', visibility: 'hide' },
      { name: 'big square', stdin: '999998000001\n', expected: 'NOT PRIME', visibility: 'hide' },
    ],
  },
  {
    slug: 'count-vowels',
    title: 'Count the vowels',
    difficulty: 'easy',
    tags: ['strings'],
    description: 'Read one line and print how many vowels (a, e, i, o, u, either case) it holds.',
    tests: [
      { name: 'word', stdin: 'Informatika\n', expected: '5', sample: true },
      { name: 'none', stdin: 'xyz\n', expected: '0', visibility: 'hide_if_fail' },
      { name: 'sentence', stdin: 'Sekolah Menengah Kejuruan\n', expected: '10', visibility: 'hide' },
    ],
  },
  {
    slug: 'grade-letter',
    title: 'Score to letter grade',
    difficulty: 'easy',
    tags: ['conditionals'],
    description: 'Read a score 0–100 and print `A` (≥ 85), `B` (≥ 70), `C` (≥ 55), `D` (≥ 40) or `E`.',
    languages: ['python', 'c', 'cpp', 'java'],
    tests: [
      { name: 'ninety', stdin: '90\n', expected: 'A', sample: true },
      { name: 'boundary B', stdin: '70\n', expected: 'B', visibility: 'hide_if_succeed' },
      { name: 'boundary C', stdin: '55\n', expected: 'C', visibility: 'hide' },
      { name: 'low', stdin: '10\n', expected: 'E', visibility: 'hide' },
    ],
  },
];

/** A dozen published tasks across the five languages, by the first teacher, open to every classroom. */
export async function seedCodingLab(accounts: DemoAccounts, transaction: Transaction): Promise<CodingTask[]> {
  const author = accounts.teachers[0]!;
  const tasks: CodingTask[] = [];
  for (const demo of DEMO_TASKS) {
    const languages = demo.languages ?? ALL;
    const task = await CodingTask.create(
      {
        slug: demo.slug,
        title: demo.title,
        description: demo.description,
        difficulty: demo.difficulty,
        tags: demo.tags,
        languages,
        starterCode: Object.fromEntries(languages.map((l) => [l, STARTER[l]])),
        scoring: demo.scoring ?? 'partial',
        classroomId: null,
        createdBy: author.id,
        published: true,
      },
      { transaction },
    );
    await CodingTestCase.bulkCreate(
      demo.tests.map((t, position) => ({
        taskId: task.id,
        position,
        name: t.name,
        stdin: t.stdin,
        expected: t.expected,
        comparison: demo.comparison ?? 'trim',
        tolerance: demo.tolerance ?? null,
        points: t.points ?? 1,
        visibility: t.visibility ?? 'show',
        sample: t.sample ?? false,
      })),
      { transaction },
    );
    tasks.push(task);
  }
  return tasks;
}
