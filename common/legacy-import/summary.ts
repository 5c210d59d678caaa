import type { ImportReport } from './types';

const pairs = (o: Record<string, number>) =>
  Object.entries(o)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

/** The report as a person reads it at the end of a CLI run (the JSON is stored and printed with --json). */
export function summarise(report: ImportReport): string {
  const lines: string[] = [`legacy import (${report.mode})`];
  const { probe } = report;
  if (probe.tablesMissing.length) lines.push(`  tables not found: ${probe.tablesMissing.join(', ')}`);
  for (const [t, cols] of Object.entries(probe.columnsMissing)) lines.push(`  ${t}: columns not found: ${cols.join(', ')}`);
  for (const [t, cols] of Object.entries(probe.columnsExtra)) lines.push(`  ${t}: extra columns (not read): ${cols.join(', ')}`);
  if (probe.extraTables.length) lines.push(`  extra tables (not read): ${probe.extraTables.join(', ')}`);
  for (const e of report.entities) {
    if (e.missing) {
      lines.push(`  ${e.entity}: not imported (${e.missing})`);
      continue;
    }
    const parts = [`read ${e.read}`, `imported ${e.imported}`, `updated ${e.updated}`, `unchanged ${e.unchanged}`];
    if (e.pending) parts.push(`to write ${e.pending}`);
    const skipped = Object.values(e.skipped).reduce((a, b) => a + b, 0);
    if (skipped) parts.push(`skipped ${skipped} (${pairs(e.skipped)})`);
    if (Object.keys(e.warnings).length) parts.push(`warnings: ${pairs(e.warnings)}`);
    if (e.checksum) parts.push(e.checksum.match ? `checksum ok (${e.checksum.rows})` : `CHECKSUM DIFFERS: ${e.checksum.differing.join(' ')}`);
    lines.push(`  ${e.entity}: ${parts.join('; ')}`);
  }
  for (const n of report.notImported) lines.push(`  ${n.table}: ${n.rows} row(s) found, not imported (${n.reason})`);
  lines.push(report.consistent ? 'every checksum matches' : 'SOME CHECKSUMS DIFFER');
  return lines.join('\n');
}
