import { describe, expect, it } from 'vitest';
import {
  evaluate,
  formatEvaluationTable,
  type LabelledItem,
  LabelledItemsError,
  parseLabelledItems,
} from '../../functions/core/evaluation/evaluate';
import type { TopicMatcher } from '../../functions/core/ports';

const item = (id: string, labels: string[]): LabelledItem => ({
  id,
  title: id,
  summary: '',
  lang: 'en',
  labels,
});

/** A matcher that predicts, for each item (by title), the topics given. */
const predicting = (predictions: Record<string, string[]>): TopicMatcher => ({
  match: ({ title }) => (predictions[title] ?? []).map((topicId) => ({ topicId, terms: [] })),
});

describe('evaluate', () => {
  // Hand-computed:
  //   alpha: TP 2 (1, 2), FP 1 (4), FN 0 → P 2/3, R 1, F1 0.8
  //   beta:  TP 1 (4), FP 1 (3), FN 1 (2) → P 0.5, R 0.5, F1 0.5
  //   gamma: no labels, no predictions → all 0, left out of the macro average
  //   micro: TP 3, FP 2, FN 1 → P 0.6, R 0.75, F1 2·0.6·0.75/1.35 = 0.6667
  //   macro over alpha and beta: P (0.6667 + 0.5)/2, R (1 + 0.5)/2, F1 (0.8 + 0.5)/2
  //   item 3 is labelled [] and got beta: one false positive on negatives; item 5 got nothing.
  const items = [
    item('1', ['alpha']),
    item('2', ['alpha', 'beta']),
    item('3', []),
    item('4', ['beta']),
    item('5', []),
  ];
  const matcher = predicting({
    '1': ['alpha'],
    '2': ['alpha'],
    '3': ['beta'],
    '4': ['beta', 'alpha'],
  });

  it('computes per-topic, micro and macro scores and false positives on negatives', () => {
    // Act
    const report = evaluate(items, matcher, ['alpha', 'beta', 'gamma']);

    // Assess
    expect(report).toEqual({
      items: 5,
      micro: { precision: 0.6, recall: 0.75, f1: 0.6667 },
      macro: { precision: 0.5833, recall: 0.75, f1: 0.65 },
      topics: {
        alpha: { precision: 0.6667, recall: 1, f1: 0.8, support: 2 },
        beta: { precision: 0.5, recall: 0.5, f1: 0.5, support: 2 },
        gamma: { precision: 0, recall: 0, f1: 0, support: 0 },
      },
      falsePositivesOnNegatives: 1,
    });
  });

  it('counts a topic with predictions but no labels in the macro average', () => {
    // Prepare
    const onlyFalsePositives = predicting({ '5': ['gamma'] });

    // Act
    const report = evaluate([item('5', []), item('6', ['alpha'])], onlyFalsePositives, [
      'alpha',
      'gamma',
    ]);

    // Assess
    expect(report.topics.gamma).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(report.macro).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(report.falsePositivesOnNegatives).toBe(1);
  });

  it('scores 0/0 as 0, so a matcher that predicts nothing gets precision 0', () => {
    // Act
    const report = evaluate(items, predicting({}), ['alpha', 'beta']);

    // Assess
    expect(report.micro).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(report.topics.alpha).toEqual({ precision: 0, recall: 0, f1: 0, support: 2 });
    expect(report.falsePositivesOnNegatives).toBe(0);
  });

  it('gives zeros, not NaN, for no items', () => {
    // Act
    const report = evaluate([], predicting({}), ['alpha']);

    // Assess
    expect(report).toEqual({
      items: 0,
      micro: { precision: 0, recall: 0, f1: 0 },
      macro: { precision: 0, recall: 0, f1: 0 },
      topics: { alpha: { precision: 0, recall: 0, f1: 0, support: 0 } },
      falsePositivesOnNegatives: 0,
    });
  });

  it('ignores labels and predictions of topics it was not asked to score', () => {
    // Prepare
    const withStrangers = predicting({ '1': ['alpha', 'unknown'], '3': ['unknown'] });

    // Act
    const report = evaluate([item('1', ['alpha', 'retired']), item('3', [])], withStrangers, [
      'alpha',
    ]);

    // Assess
    expect(report.topics).toEqual({ alpha: { precision: 1, recall: 1, f1: 1, support: 1 } });
    expect(report.falsePositivesOnNegatives).toBe(0);
  });
});

describe('formatEvaluationTable', () => {
  it('lays out every topic, the averages and the negatives in fixed-width columns', () => {
    // Prepare
    const report = evaluate(
      [item('1', ['alpha']), item('2', ['nuclear-diplomacy']), item('3', [])],
      predicting({ '1': ['alpha'], '3': ['alpha'] }),
      ['alpha', 'nuclear-diplomacy'],
    );

    // Act
    const table = formatEvaluationTable(report);

    // Assess
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^topic\s+P\s+R\s+F1\s+support$/);
    expect(lines).toContain('alpha               0.5000   1.0000   0.6667        1');
    expect(lines).toContain('nuclear-diplomacy   0.0000   0.0000   0.0000        1');
    expect(lines).toContain('micro               0.5000   0.5000   0.5000');
    expect(lines).toContain('macro               0.2500   0.5000   0.3333');
    expect(lines).toContain('items: 3   false positives on negatives: 1');
    const rows = lines.filter((line) => /^(alpha|nuclear-diplomacy|topic) /.test(line));
    expect(new Set(rows.map((row) => row.length)).size).toBe(1);
  });
});

describe('parseLabelledItems', () => {
  it('parses one item a line, skipping blank lines and keeping the story', () => {
    // Prepare
    const jsonl = [
      '{"id":"a","lang":"ru","title":"Т","summary":"С","labels":["energy"],"story":"s1","source":"x"}',
      '',
      '{"id":"b","lang":"fa","title":"ت","summary":"خ","labels":[]}',
      '',
    ].join('\n');

    // Act
    const items = parseLabelledItems(jsonl);

    // Assess
    expect(items).toEqual([
      { id: 'a', lang: 'ru', title: 'Т', summary: 'С', labels: ['energy'], story: 's1' },
      { id: 'b', lang: 'fa', title: 'ت', summary: 'خ', labels: [] },
    ]);
  });

  it('names the line and the field of an invalid item', () => {
    // Prepare
    const jsonl = [
      '{"id":"a","lang":"en","title":"t","summary":"s","labels":[]}',
      '{"id":"b","lang":"de","title":"t","summary":"s"}',
    ].join('\n');

    // Act & Assess
    expect(() => parseLabelledItems(jsonl)).toThrow(LabelledItemsError);
    expect(() => parseLabelledItems(jsonl)).toThrow(/^line 2: lang: .+; labels: .+/);
  });

  it('names the line of invalid JSON', () => {
    // Prepare
    const jsonl = '{"id":"a","lang":"en","title":"t","summary":"s","labels":[]}\r\n{"id": "b",';

    // Act
    let error: unknown;
    try {
      parseLabelledItems(jsonl);
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(LabelledItemsError);
    expect(error).toMatchObject({ line: 2 });
    expect((error as Error).message).toMatch(/^line 2: not valid JSON/);
  });
});
