/**
 * `news-alerts poll --url URL | --file PATH`: one feed through the real fetch, decode, parse and
 * normalise path, printed as JSON lines. Failures end with one line naming the reason. The fetch
 * follows the deployed poller's address rules: loopback only with `allowLoopback`.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { HttpFeedFetcher } from '../../adapters/http-feed-fetcher';
import { decodeFeedBody } from '../../core/feeds/decode-body';
import { normaliseItem } from '../../core/feeds/normalise-item';
import { parseFeed } from '../../core/feeds/parse-feed';
import { feedIdFor } from '../../core/ids';
import type { Language } from '../../core/model';
import { InputFileError } from './read-jsonl';

export async function pollCommand(
  source: { url?: string; file?: string; language: Language; allowLoopback?: boolean },
  write: (line: string) => void,
): Promise<number> {
  let body: Uint8Array;
  let contentType: string | undefined;
  let feedUrl: string;
  if (source.file) {
    feedUrl = pathToFileURL(source.file).href;
    try {
      body = await readFile(source.file);
    } catch (error) {
      throw new InputFileError(`cannot read ${source.file}: ${(error as Error).message}`);
    }
  } else {
    feedUrl = source.url ?? '';
    const fetcher = new HttpFeedFetcher({ allowLoopback: source.allowLoopback === true });
    try {
      const fetched = await fetcher.fetch({ url: feedUrl });
      if (fetched.kind === 'not-modified') return 0;
      body = fetched.body;
      contentType = fetched.contentType;
    } finally {
      fetcher.destroy();
    }
  }
  const parsed = await parseFeed(decodeFeedBody(body, contentType));
  const feed = {
    id: feedIdFor(feedUrl),
    url: feedUrl,
    name: parsed.title ?? feedUrl,
    language: source.language,
  };
  const seenAt = new Date();
  for (const raw of parsed.items) {
    const article = normaliseItem(raw, feed, seenAt);
    write(
      JSON.stringify({
        id: article.id,
        title: article.title,
        summary: article.summary,
        link: article.link,
        published: article.published,
        lang: article.language,
      }),
    );
  }
  return parsed.items.length;
}
