import { expect } from 'chai';
import { figures, trend } from '../../../api/learning/dashboard/progress-service';

type Row = Parameters<typeof figures>[0][number];

let n = 0;
function row(state: Row['state'], o: Partial<Row> = {}): Row {
  n += 1;
  return {
    id: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`,
    title: `T${n}`,
    classroom_id: null,
    classroom_name: null,
    due_at: new Date('2026-01-01T00:00:00Z'),
    max_points: 100,
    state,
    attempts_used: state === 'pending' || state === 'overdue' ? 0 : 1,
    latest_submitted_at: null,
    latest_days_late: state === 'submitted' || state === 'graded' ? 0 : null,
    latest_grade: null,
    latest_graded_at: null,
    attempt_grades: [],
    ...o,
  };
}
const graded = (grade: number, day: number) => row('graded', { latest_grade: grade, latest_graded_at: new Date(Date.UTC(2026, 0, day)) });

describe('progress arithmetic', () => {
  it('gives zero completion and null rates when nothing is assigned', () => {
    expect(figures([])).to.deep.equal({
      assignments: 0,
      completed: 0,
      completionRate: 0,
      onTime: 0,
      onTimeRate: null,
      averageGradePercent: null,
      missing: 0,
    });
  });

  it('counts an overdue assignment as missing and not completed', () => {
    expect(figures([row('overdue'), row('submitted')])).to.deep.include({ completed: 1, completionRate: 50, missing: 1 });
  });

  it('counts late work as completed but not on time', () => {
    expect(figures([row('submitted', { latest_days_late: 2 }), row('submitted')])).to.deep.include({ onTime: 1, onTimeRate: 50 });
  });

  it('averages grades as a percentage of each assignment’s maximum', () => {
    expect(figures([row('graded', { latest_grade: 5, max_points: 10 }), row('graded', { latest_grade: 100 })]).averageGradePercent).to.equal(75);
  });

  it('has no trend with fewer than two grades', () => {
    expect(trend([graded(70, 1)])).to.deep.include({ direction: null, slopePerGrade: null });
  });

  it('reads falling grades as down, in the order they were given whatever the row order', () => {
    const t = trend([graded(60, 3), graded(90, 1), graded(75, 2)]);
    expect(t.points.map((p) => p.percent)).to.deep.equal([90, 75, 60]);
    expect(t).to.deep.include({ direction: 'down', slopePerGrade: -15 });
  });

  it('reads steady grades as flat', () => {
    expect(trend([graded(80, 1), graded(80.4, 2), graded(80, 3)]).direction).to.equal('flat');
  });
});
