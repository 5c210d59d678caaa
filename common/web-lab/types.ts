/**
 * The web lab's shared shapes: a project's files, an assignment's rubric and automatic checks, and
 * a check's result. The API validates them (api/web-lab/schemas.ts); the worker runs them.
 * README.md#web-lab
 */

/** One file of a project tree. Text is stored as UTF-8, anything else (images) as base64. */
export interface WebFile {
  path: string;
  encoding: 'utf8' | 'base64';
  content: string;
}

export interface RubricCriterion {
  key: string;
  title: string;
  maxPoints: number;
}

export const DEFAULT_RUBRIC: RubricCriterion[] = [
  { key: 'html', title: 'HTML structure', maxPoints: 20 },
  { key: 'css', title: 'CSS and responsiveness', maxPoints: 20 },
  { key: 'js', title: 'JS interactivity', maxPoints: 20 },
  { key: 'quality', title: 'Code quality', maxPoints: 20 },
  { key: 'creativity', title: 'Creativity / brief', maxPoints: 20 },
];

export const STATIC_CHECK_KINDS = ['selector', 'attribute', 'css-property', 'media-query', 'html-errors'] as const;
export const BROWSER_CHECK_KINDS = ['script', 'console-clean', 'layout', 'accessibility'] as const;
export const CHECK_KINDS = [...STATIC_CHECK_KINDS, ...BROWSER_CHECK_KINDS] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

export interface ScriptStep {
  action: 'click' | 'fill' | 'press';
  selector: string;
  value?: string;
}

/** What a check looks at; which fields apply depends on `kind` (the API's joi schema says which). */
export interface CheckConfig {
  /** the HTML file a static check reads or the browser opens (default index.html) */
  page?: string;
  selector?: string;
  count?: number;
  minCount?: number;
  text?: string;
  attribute?: string;
  property?: string;
  value?: string;
  /** media-query: a substring of the condition, e.g. `max-width` */
  condition?: string;
  /** html-errors: parse5 error codes that fail the check; empty means any */
  errorCodes?: string[];
  /** script: steps after load, then `selector` must read `text` */
  steps?: ScriptStep[];
  /** layout: the viewport width (a phone is 375, a desktop 1280) */
  width?: number;
  /** accessibility: axe-core rule ids (default image-alt, label, color-contrast) */
  rules?: string[];
}

export interface WebCheck {
  id: string;
  kind: CheckKind;
  title: string;
  points: number;
  /** shown to the student when the check fails */
  message: string;
  visibility: 'show' | 'hide';
  config: CheckConfig;
}

export type CheckStatus = 'passed' | 'failed' | 'skipped';

export interface CheckResult {
  checkId: string;
  kind: CheckKind;
  title: string;
  visibility: 'show' | 'hide';
  status: CheckStatus;
  points: number;
  earned: number;
  /** why it failed or was skipped, in words a student can act on */
  reason: string | null;
  /** accessibility: violations per rule */
  details?: Record<string, unknown>;
}

export const isBrowserCheck = (kind: CheckKind) => (BROWSER_CHECK_KINDS as readonly string[]).includes(kind);

export const fileBytes = (f: WebFile) => (f.encoding === 'base64' ? Buffer.from(f.content, 'base64').length : Buffer.byteLength(f.content, 'utf8'));
