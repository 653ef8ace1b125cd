/** `news-alerts match --input FILE.jsonl`: the default topic pack over items, one line each. */
import { compileTopics } from '../../core/matching/topic-matcher';
import { loadDefaultTopicPack } from '../../core/matching/topic-pack';
import * as z from '../../core/zod';
import { InputFileError, readJsonLines } from './read-jsonl';

const itemSchema = z.object({
  id: z.pipe(z.union([z.string(), z.number()]), z.transform(String)),
  title: z._default(z.string(), ''),
  summary: z._default(z.string(), ''),
  lang: z._default(z.enum(['en', 'ru', 'fa']), 'en'),
});

export async function matchCommand(input: string, write: (line: string) => void): Promise<void> {
  const pack = loadDefaultTopicPack();
  const matcher = compileTopics(pack.topics, pack.aliases);
  for (const { line, value } of await readJsonLines(input)) {
    const parsed = itemSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InputFileError(
        `${input}:${line}: ${issue?.path.join('.') || 'item'} ${issue?.message}`,
      );
    }
    const item = parsed.data;
    const matches = matcher.match({
      title: item.title,
      summary: item.summary,
      language: item.lang,
    });
    write(JSON.stringify({ id: item.id, topics: matches.map((match) => match.topicId) }));
  }
}
