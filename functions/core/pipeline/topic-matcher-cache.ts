/**
 * Keeps the compiled topics across cycles (and across invocations of a warm Lambda container):
 * topics and aliases are read every cycle, but compiled again only when they changed.
 */
import { createHash } from 'node:crypto';
import type { Topic } from '../model';
import type { TopicMatcher, TopicStore } from '../ports';

export class TopicMatcherCache {
  private fingerprint: string | undefined;
  private compiled: { matcher: TopicMatcher; topics: Topic[] } | undefined;
  /** How many times the topics were compiled: once per change, not once per cycle. */
  compilations = 0;

  constructor(
    private readonly compile: (topics: Topic[], aliases: Record<string, string>) => TopicMatcher,
  ) {}

  async load(store: TopicStore): Promise<{ matcher: TopicMatcher; topics: Topic[] }> {
    const [topics, aliases] = await Promise.all([store.listTopics(), store.listAliases()]);
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([topics, Object.entries(aliases).sort()]))
      .digest('hex');
    if (!this.compiled || fingerprint !== this.fingerprint) {
      this.compiled = { matcher: this.compile(topics, aliases), topics };
      this.fingerprint = fingerprint;
      this.compilations += 1;
    }
    return this.compiled;
  }
}
