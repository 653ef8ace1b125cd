/**
 * Scoring against labelled items (JSON Lines, one item each). Topics: per-topic precision,
 * recall and F1, their micro and macro averages, and how many "no match" items got a topic
 * anyway. Stories: how many copies of one story were folded together and how many stories were
 * wrongly merged (`evaluateStories`). The numbers the topic pack and story folding are tuned and
 * regression-tested against.
 *
 * Conventions: a ratio whose denominator is 0 counts as 0 (a topic that predicts nothing has
 * precision 0, not 1, so silence is never rewarded). Only the topic ids passed in are scored;
 * labels and predictions of other topics are ignored. Figures are rounded to 4 decimals.
 */
import type { Language } from '../model';
import type { TopicMatcher } from '../ports';
import { storyFingerprint } from '../stories/story-fingerprint';
import { foldIntoStory, InMemoryStoryIndex } from '../stories/story-folding';
import * as z from '../zod';

export interface LabelledItem {
  id: string;
  title: string;
  summary: string;
  lang: Language;
  /** Topic ids the item should match; empty for an item that should match none. */
  labels: string[];
  /** Shared by copies of one story (syndication, re-publication). */
  story?: string;
}

export interface Scores {
  precision: number;
  recall: number;
  f1: number;
}

export interface TopicScores extends Scores {
  /** Items labelled with the topic. */
  support: number;
}

export interface EvaluationReport {
  items: number;
  /** Pooled over every (item, topic) decision. */
  micro: Scores;
  /** Mean of the topics that have labels or predictions; 0 when none has. */
  macro: Scores;
  topics: Record<string, TopicScores>;
  /** Items labelled with no topic that got at least one. */
  falsePositivesOnNegatives: number;
}

/** A labelled-items file that does not validate; `line` is 1-based. */
export class LabelledItemsError extends Error {
  override readonly name = 'LabelledItemsError';
  constructor(
    readonly line: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`line ${line}: ${message}`, options);
  }
}

// Not strict: the files carry extra fields (source URL, notes) that scoring does not need.
const labelledItemSchema = z.object({
  id: z.string().check(z.minLength(1)),
  title: z.string(),
  summary: z.string(),
  lang: z.enum(['en', 'ru', 'fa']),
  labels: z.array(z.string().check(z.minLength(1))),
  story: z.optional(z.string().check(z.minLength(1))),
});

/** Parses JSON Lines of labelled items; blank lines are skipped. */
export function parseLabelledItems(jsonl: string): LabelledItem[] {
  const items: LabelledItem[] = [];
  jsonl.split(/\r?\n/).forEach((text, index) => {
    const line = index + 1;
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new LabelledItemsError(line, `not valid JSON (${(error as Error).message})`, {
        cause: error,
      });
    }
    const result = labelledItemSchema.safeParse(value);
    if (!result.success) {
      const problems = result.error.issues.map(
        (issue) => `${issue.path.join('.') || 'item'}: ${issue.message}`,
      );
      throw new LabelledItemsError(line, problems.join('; '), { cause: result.error });
    }
    items.push(result.data);
  });
  return items;
}

interface Counts {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

const ratio = (numerator: number, denominator: number): number =>
  denominator === 0 ? 0 : numerator / denominator;

const round = (value: number): number => Math.round(value * 10_000) / 10_000;

function scoresOf({ truePositives, falsePositives, falseNegatives }: Counts): Scores {
  const precision = ratio(truePositives, truePositives + falsePositives);
  const recall = ratio(truePositives, truePositives + falseNegatives);
  return { precision, recall, f1: ratio(2 * precision * recall, precision + recall) };
}

const rounded = ({ precision, recall, f1 }: Scores): Scores => ({
  precision: round(precision),
  recall: round(recall),
  f1: round(f1),
});

/** Runs the matcher over every item and scores its topics against the labels. */
export function evaluate(
  items: readonly LabelledItem[],
  matcher: TopicMatcher,
  topicIds: readonly string[],
): EvaluationReport {
  const counts = new Map<string, Counts>(
    topicIds.map((id) => [id, { truePositives: 0, falsePositives: 0, falseNegatives: 0 }]),
  );
  let falsePositivesOnNegatives = 0;

  for (const item of items) {
    const labels = new Set(item.labels);
    const predicted = new Set(
      matcher
        .match({ title: item.title, summary: item.summary, language: item.lang })
        .map((match) => match.topicId)
        .filter((id) => counts.has(id)),
    );
    if (labels.size === 0 && predicted.size > 0) falsePositivesOnNegatives += 1;
    for (const [id, count] of counts) {
      const isLabelled = labels.has(id);
      const isPredicted = predicted.has(id);
      if (isLabelled && isPredicted) count.truePositives += 1;
      else if (isPredicted) count.falsePositives += 1;
      else if (isLabelled) count.falseNegatives += 1;
    }
  }

  const topics: Record<string, TopicScores> = {};
  const active: Scores[] = [];
  const total: Counts = { truePositives: 0, falsePositives: 0, falseNegatives: 0 };
  for (const [id, count] of counts) {
    const scores = scoresOf(count);
    const support = count.truePositives + count.falseNegatives;
    topics[id] = { ...rounded(scores), support };
    if (support > 0 || count.falsePositives > 0) active.push(scores);
    total.truePositives += count.truePositives;
    total.falsePositives += count.falsePositives;
    total.falseNegatives += count.falseNegatives;
  }
  const mean = (pick: (scores: Scores) => number): number =>
    ratio(
      active.reduce((sum, scores) => sum + pick(scores), 0),
      active.length,
    );

  return {
    items: items.length,
    micro: rounded(scoresOf(total)),
    macro: rounded({
      precision: mean((scores) => scores.precision),
      recall: mean((scores) => scores.recall),
      f1: mean((scores) => scores.f1),
    }),
    topics,
    falsePositivesOnNegatives,
  };
}

/** The report as a fixed-width table, for the CLI and test logs. */
export function formatEvaluationTable(report: EvaluationReport): string {
  const names = [...Object.keys(report.topics), 'micro', 'macro'];
  const width = Math.max('topic'.length, ...names.map((name) => name.length));
  const number = (value: number): string => value.toFixed(4).padStart(9);
  const row = (name: string, scores: Scores, support = ''): string =>
    `${name.padEnd(width)}${number(scores.precision)}${number(scores.recall)}${number(scores.f1)}${support.padStart(9)}`.trimEnd();
  const rule = '-'.repeat(width + 36);
  return [
    `${'topic'.padEnd(width)}${'P'.padStart(9)}${'R'.padStart(9)}${'F1'.padStart(9)}${'support'.padStart(9)}`,
    rule,
    ...Object.entries(report.topics).map(([id, scores]) => row(id, scores, String(scores.support))),
    rule,
    row('micro', report.micro),
    row('macro', report.macro),
    '',
    `items: ${report.items}   false positives on negatives: ${report.falsePositivesOnNegatives}`,
  ].join('\n');
}

/**
 * Story folding scored against the labelled `story` field. Items sharing a `story` value are
 * copies of one development; an item without one is a story of its own. With items in file
 * order and `predicted` mapping item id → predicted story id (an item missing from it is a
 * story of its own):
 * - `groups`: true stories with at least two items;
 * - `copies`: the items of those stories after the first (what folding should catch);
 * - `copiesFolded`: copies whose predicted story is the predicted story of an earlier item of
 *   their true story (folded into the story they belong to);
 * - `distinctMerged`: predicted stories holding items of two or more true stories (each such
 *   story hides a development; the number we keep at 0).
 */
export interface StoryReport {
  groups: number;
  copies: number;
  copiesFolded: number;
  distinctMerged: number;
}

/** Scores predicted story ids (item id → story id) against the story labels; see `StoryReport`. */
export function evaluateStories(
  items: readonly LabelledItem[],
  predicted: ReadonlyMap<string, string>,
): StoryReport {
  const trueStory = (item: LabelledItem): string => item.story ?? `item:${item.id}`;
  const predictedStory = (item: LabelledItem): string =>
    predicted.get(item.id) ?? `unassigned:${item.id}`;

  const sizes = new Map<string, number>();
  for (const item of items) sizes.set(trueStory(item), (sizes.get(trueStory(item)) ?? 0) + 1);

  const predictedSoFar = new Map<string, Set<string>>();
  const trueStoriesByPrediction = new Map<string, Set<string>>();
  let copies = 0;
  let copiesFolded = 0;
  for (const item of items) {
    const story = trueStory(item);
    const prediction = predictedStory(item);
    const earlier = predictedSoFar.get(story);
    if (earlier) {
      copies += 1;
      if (earlier.has(prediction)) copiesFolded += 1;
      earlier.add(prediction);
    } else {
      predictedSoFar.set(story, new Set([prediction]));
    }
    const merged = trueStoriesByPrediction.get(prediction);
    if (merged) merged.add(story);
    else trueStoriesByPrediction.set(prediction, new Set([story]));
  }
  return {
    groups: [...sizes.values()].filter((size) => size >= 2).length,
    copies,
    copiesFolded,
    distinctMerged: [...trueStoriesByPrediction.values()].filter((stories) => stories.size >= 2)
      .length,
  };
}

/** How far apart labelled items are "first seen" when folded: well inside the story window. */
export const LABELLED_ITEM_SPACING_MINUTES = 5;
const LABELLED_ITEMS_START = Date.UTC(2025, 0, 1);

/**
 * Folds labelled items in file order, as the pipeline would: each item's topics from `matcher`,
 * its fingerprint, an in-memory story index, first seen `LABELLED_ITEM_SPACING_MINUTES` apart.
 * Items carry no link, so only their text can fold them. Returns item id → story id.
 */
export async function foldLabelledItems(
  items: readonly LabelledItem[],
  matcher: TopicMatcher,
): Promise<Map<string, string>> {
  const index = new InMemoryStoryIndex();
  const storyIds = new Map<string, string>();
  for (const [position, item] of items.entries()) {
    const text = { title: item.title, summary: item.summary, language: item.lang };
    const topicIds = matcher.match(text).map((match) => match.topicId);
    const fingerprint = storyFingerprint({ ...text, link: '', topicIds });
    const seenAt = new Date(
      LABELLED_ITEMS_START + position * LABELLED_ITEM_SPACING_MINUTES * 60_000,
    );
    const { storyId } = await foldIntoStory({ id: item.id, topicIds }, fingerprint, index, seenAt);
    storyIds.set(item.id, storyId);
  }
  return storyIds;
}

/** The story figures as one line, for the CLI table and test logs. */
export function formatStoryReport(report: StoryReport): string {
  const share = report.copies === 0 ? 0 : report.copiesFolded / report.copies;
  return `stories: ${report.groups} groups, ${report.copiesFolded}/${report.copies} copies folded (${(share * 100).toFixed(1)}%), ${report.distinctMerged} distinct stories merged`;
}
