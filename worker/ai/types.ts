/** What a reviewer is given about one submission, gathered by the processor from the database. */
export interface TestCaseOutcome {
  name: string;
  verdict: string;
  timeMs: number | null;
  memoryKb: number | null;
  /** hidden tests: only the verdict is passed on, never the input or the expected output */
  hidden: boolean;
  stdin?: string;
  expected?: string;
  actual?: string;
}

export interface TestOutcome {
  passed: number;
  total: number;
  score: number;
  maxScore: number;
  verdict: string | null;
  compileOutput?: string | null;
  cases: TestCaseOutcome[];
}

export interface EvaluationInput {
  task: { title: string; description: string };
  language: string;
  files: Array<{ name: string; content: string }>;
  tests: TestOutcome;
}
