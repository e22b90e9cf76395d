// The comparison as a Markdown document (what "Run Simulation…" opens beside the view): the
// same figures, intervals and changes as the view's table, laid out by the Markdown preview so
// that nothing is cut at a fixed line width.

import type { ComparisonModel } from '../../shared/protocol';
import { formatHalfWidth, formatMetric, metricDelta } from '../../shared/comparisonFormat';

/** Run labels and scenario text are untrusted: no Markdown or HTML from them, and no broken table. */
export function escapeMarkdownText(text: string): string {
  const inline = text.replace(/[\r\n]+/g, ' ').replace(/[\\`*_{}[\]<>|&~!]/g, (c) => `\\${c}`);
  // A heading, list or quote marker only counts at the start of a line.
  return inline.replace(/^(\s*)([#+\-=>])/, '$1\\$2').replace(/^(\s*\d+)([.)])/, '$1\\$2');
}

export interface ComparisonReportHeader {
  title: string;
  /** The scenario's description and how the runs were made (seeds, simulated length). */
  lines: string[];
}

export function comparisonMarkdown(model: ComparisonModel, header: ComparisonReportHeader): string {
  const baseIndex = model.rows.findIndex((r) => r.id === model.baseline);
  const multiSeed = model.rows.some((r) => r.seeds > 1);
  const out = [`# ${escapeMarkdownText(header.title)}`, '', ...header.lines.map(escapeMarkdownText), ''];
  if (baseIndex >= 0) {
    out.push(
      `Changes are against ${escapeMarkdownText(model.rows[baseIndex].label)}${model.baselineChosen ? '' : ' (the default: vanilla-5.6 of the scenario, else the first simulated run)'}` +
        (multiSeed ? '; ± is half the 95 % interval over the seeds, and a change in brackets is inside the noise (Welch).' : '.'),
      '',
    );
  }
  out.push(`| metric | ${model.rows.map((r) => escapeMarkdownText(r.label)).join(' | ')} |`, `|---|${model.rows.map(() => '---:').join('|')}|`);
  model.metrics.forEach((m, mi) => {
    const base = baseIndex >= 0 ? model.rows[baseIndex].values[mi] : null;
    const cells = model.rows.map((r, ri) => {
      const v = r.values[mi];
      if (v === null) return `not judged${r.notJudged[m.key] ? `: ${escapeMarkdownText(r.notJudged[m.key])}` : ''}`;
      const d = ri === baseIndex ? null : metricDelta(v, base, m.higherIsBetter, r.beyondNoise[mi]);
      return [formatMetric(v, m.format), formatHalfWidth(r.ci95[mi], m.format), d ? d.text : ''].filter(Boolean).join(' ');
    });
    out.push(`| ${escapeMarkdownText(m.label)} | ${cells.join(' | ')} |`);
  });
  out.push('', ...model.metrics.map((m) => `- **${escapeMarkdownText(m.label)}**: ${escapeMarkdownText(m.description)}`));
  return out.join('\n') + '\n';
}
