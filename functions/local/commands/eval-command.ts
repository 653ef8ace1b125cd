/**
 * `news-alerts eval --input FILE.jsonl [--json]`: the default pack scored against the topic
 * labels, and story folding against the story labels (under "stories" in the JSON).
 */
import { readFile } from 'node:fs/promises';
import {
  evaluate,
  evaluateStories,
  foldLabelledItems,
  formatEvaluationTable,
  formatStoryReport,
  parseLabelledItems,
} from '../../core/evaluation/evaluate';
import { compileTopics } from '../../core/matching/topic-matcher';
import { loadDefaultTopicPack } from '../../core/matching/topic-pack';
import { InputFileError } from './read-jsonl';

export async function evalCommand(
  input: string,
  json: boolean,
  write: (line: string) => void,
): Promise<void> {
  let text: string;
  try {
    text = await readFile(input, 'utf8');
  } catch (error) {
    throw new InputFileError(`cannot read ${input}: ${(error as Error).message}`);
  }
  const items = parseLabelledItems(text);
  const pack = loadDefaultTopicPack();
  const matcher = compileTopics(pack.topics, pack.aliases);
  const report = evaluate(
    items,
    matcher,
    pack.topics.map((topic) => topic.id),
  );
  const stories = evaluateStories(items, await foldLabelledItems(items, matcher));
  write(
    json
      ? JSON.stringify({ ...report, stories })
      : `${formatEvaluationTable(report)}\n${formatStoryReport(stories)}`,
  );
}
