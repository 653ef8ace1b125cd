/**
 * Keeps the compiled topics across cycles (and across invocations of a warm Lambda container):
 * topics are read every cycle, but compiled again only when their definitions changed.
 */
import { createHash } from 'node:crypto';
import type { Topic } from '../model';
import type { TopicMatcher, TopicStore } from '../ports';

export class TopicMatcherCache {
  private fingerprint: string | undefined;
  private compiled: { matcher: TopicMatcher; topics: Topic[] } | undefined;

  constructor(private readonly compile: (topics: Topic[]) => TopicMatcher) {}

  async load(store: TopicStore): Promise<{ matcher: TopicMatcher; topics: Topic[] }> {
    const topics = await store.listTopics();
    const fingerprint = createHash('sha256').update(JSON.stringify(topics)).digest('hex');
    if (!this.compiled || fingerprint !== this.fingerprint) {
      this.compiled = { matcher: this.compile(topics), topics };
      this.fingerprint = fingerprint;
    }
    return this.compiled;
  }
}
