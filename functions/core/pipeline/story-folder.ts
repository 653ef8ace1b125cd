/**
 * The port the poll cycle folds matched articles into stories through. A story is one
 * development: its first article creates it (the story id is that article's key, so a re-run after
 * a crash finds the same story and knows it is still new to it); later copies, in any feed or
 * language, join it without alerting.
 */
import type { AlertContent } from '../alerts/alert-message';
import type { StoredArticle } from '../ports';
import { storyFingerprint } from '../stories/story-fingerprint';
import { foldIntoStory, keysOf, type StoryIndex, storyIdFor } from '../stories/story-folding';

export interface StoryFolder {
  /**
   * The story this article belongs to. `isNew` is true when the article started the story, also
   * when a crashed run already created it: deliveries are idempotent, so they are resumed.
   */
  fold(
    article: StoredArticle,
    topicIds: readonly string[],
    now: Date,
  ): Promise<{ storyId: string; isNew: boolean }>;
}

/**
 * Folds by fingerprint (stories/story-fingerprint.ts): the same page, or the same development
 * told again in any language, joins the story it belongs to; everything else starts one.
 *
 * Two copies folded at the same moment would each look the other up before either is stored,
 * and each start a story: two alerts for one development. Within one process (a worker
 * invocation's batch, a local cycle) a fold therefore waits for the folds in flight that share
 * one of its index keys, the only ones it could join; unrelated folds still run at once. Across
 * processes (two workers), the second round of `foldIntoStory` settles it.
 */
export class FingerprintStoryFolder implements StoryFolder {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly index: StoryIndex) {}

  fold(article: StoredArticle, topicIds: readonly string[], now: Date) {
    const fingerprint = storyFingerprint({
      title: article.title,
      summary: article.summary,
      link: article.link,
      language: article.language,
      topicIds,
    });
    const keys = [...new Set(keysOf(fingerprint))];
    // Taken and registered without an await in between, so every later fold sees this one.
    const before = [...new Set(keys.flatMap((key) => this.inFlight.get(key) ?? []))];
    const folded = Promise.allSettled(before).then(() =>
      foldIntoStory({ id: article.key, topicIds }, fingerprint, this.index, now),
    );
    const settled = folded.then(
      () => undefined,
      () => undefined,
    );
    for (const key of keys) this.inFlight.set(key, settled);
    void settled.then(() => {
      for (const key of keys) if (this.inFlight.get(key) === settled) this.inFlight.delete(key);
    });
    return folded;
  }
}

/** Every article its own story: for tests of the rest of the cycle. */
export const eachArticleItsOwnStory: StoryFolder = {
  fold: async (article) => ({ storyId: storyIdFor(article.key), isNew: true }),
};

/** A story as kept for digests and dashboards: what its alert showed, and who carried it. */
export interface StoryRecord extends AlertContent {
  firstSeen: string;
  /** Outlets that carried it, the first one included. */
  outlets: string[];
  /** How many articles (copies included) belong to it. */
  articles: number;
  /** Languages of its copies (the first article's is `language`); absent before any copy. */
  languages?: string[];
}

export interface StoryStore {
  /** Stores a new story (idempotent: a re-run after a crash writes the same record). */
  save(story: StoryRecord): Promise<void>;
  /** A copy joined the story: its outlet and language are added (no alert). */
  addCopy(storyId: string, copy: { outlet: string; language: string }, now: Date): Promise<void>;
  getMany(storyIds: readonly string[]): Promise<StoryRecord[]>;
}
