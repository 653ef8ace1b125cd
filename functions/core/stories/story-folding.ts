/**
 * Story folding: deciding whether an article is a copy of a story already seen or a new
 * development, so that subscribers get one alert per development and topic, not one per copy.
 *
 * A copy is the same development told again: syndicated by another outlet, translated (an
 * English, a Russian and a Persian report of the same Duma vote), re-published with a changed
 * headline, re-sent with a new GUID, or scraped in pieces. A follow-up is a new development in
 * the same affair: the Majlis ratifying after the Duma did, the second round of talks after the
 * first, the next drill. A follow-up is a new story and gets its own alert.
 *
 * Which mistake we prefer: never merge two developments. A merge hides a real development from
 * every subscriber; a missed fold costs one extra alert. So the thresholds (story-fingerprint.ts)
 * sit above the closest different developments we have measured, not in the middle of the gap.
 *
 * The use case, `foldIntoStory`:
 * 1. Look up the article's keys (its URL key and its band keys) in the `StoryIndex`.
 * 2. Drop candidates whose story was first seen outside the story window.
 * 3. A candidate with the same URL key is the same page: a copy.
 * 4. Otherwise the candidate whose signature is most similar, if `isSameStory` says so: a copy.
 * 5. Otherwise a new story, keyed by the article.
 * Either way the article is added to the index as a member of its story, so later copies can
 * match any member, not only the first: a story told in three languages folds when the third
 * copy resembles either of the first two.
 *
 * The decision is deterministic and the new story's id derives from the article's id, so running
 * the fold again for the same article (a retried Lambda) gives the same answer.
 *
 * Two copies folded at the same moment by two workers would each miss the other and each start a
 * story. So a new story is settled in a second round: its member is stored `claiming`, then takes
 * the next number of a counter (`takeSequence`), then looks its keys up again with consistent
 * reads. A story that matches and holds a smaller number (or none at all: older than the
 * counter) was first: the article joins it as a copy (`joinStory`) and alerts nothing. One still
 * claiming is waited for, briefly. Because each member is stored before it takes its number,
 * of two racing stories the one with the larger number always sees the other: exactly one stays.
 */
import { createHash } from 'node:crypto';
import {
  isSameStory,
  STORY_WINDOW_HOURS,
  type StoryFingerprint,
  similarity,
} from './story-fingerprint';

/** What the index keeps of each article that joined a story. */
export interface StoryMember {
  storyId: string;
  /** The article's id (its storage key); one member per article. */
  articleId: string;
  /**
   * ISO time the story (not this member) was first seen. The story window runs from it, and a
   * store can expire the member's entries at `firstSeen` + `STORY_WINDOW_HOURS`.
   */
  firstSeen: string;
  urlKey?: string;
  signature: number[];
  topicIds: string[];
  /**
   * The story's place in the order new stories were settled in (`takeSequence`); absent on
   * stories from before the counter, which count as earlier than any.
   */
  seq?: number;
  /** Set while a new story's member waits for its number: it may still yield to another. */
  claiming?: boolean;
}

/** A stored member found by one of the looked-up keys. */
export type StoryCandidate = StoryMember;

/**
 * The port story folding needs from a store. A member is indexed under each of its keys: its URL
 * key and its band keys, up to 57 strings of at most 40 characters, looked up by exact key only.
 * A member's signature is about 200 numbers, so a DynamoDB adapter should store the member once
 * (key: articleId, TTL at `firstSeen` + `STORY_WINDOW_HOURS`) and per index key only the
 * article ids (one small item per (key, articleId), same TTL), then `findCandidates` is a Query
 * per key and one BatchGetItem of the members found, each member once however many keys found
 * it. Keys carry the signature version, so members written by an older format are never found.
 */
export interface StoryIndex {
  /**
   * Members indexed under any of `keys`, each once, in no particular order; `consistent` reads
   * see every write that finished before the call.
   */
  findCandidates(
    keys: readonly string[],
    options?: { consistent?: boolean },
  ): Promise<StoryCandidate[]>;
  /** Indexes `member` under each of `keys`. Adding the same member again changes nothing. */
  addMember(member: StoryMember, keys: readonly string[]): Promise<void>;
  /** The next number of one counter shared by all stories, stored as the member's `seq`. */
  takeSequence(articleId: string): Promise<number>;
  /** Moves a member (an article that started a story it then yielded) into `story`. */
  joinStory(
    articleId: string,
    story: Pick<StoryMember, 'storyId' | 'firstSeen' | 'seq'>,
  ): Promise<void>;
}

/** How long a new story waits for another still claiming its number: tries and pause (ms). */
const SETTLE_ATTEMPTS = 5;
const SETTLE_PAUSE_MS = 100;

/** The article as folding sees it. */
export interface FoldableArticle {
  /** The article's id (its storage key), stable across retries. */
  id: string;
  topicIds: readonly string[];
}

export interface FoldResult {
  storyId: string;
  /** True when the article started the story: it is a new development. */
  isNew: boolean;
}

const HOUR_MS = 60 * 60 * 1000;

/** The id of the story an article starts: derived from the article, so a retry reuses it. */
export function storyIdFor(articleId: string): string {
  return `story-${createHash('sha256').update(articleId).digest('base64url').slice(0, 22)}`;
}

/** The index keys an article is looked up and stored under: its URL key and its band keys. */
export function keysOf(fingerprint: StoryFingerprint): string[] {
  return fingerprint.urlKey === undefined
    ? [...fingerprint.bandKeys]
    : [fingerprint.urlKey, ...fingerprint.bandKeys];
}

const hoursBetween = (from: string, to: Date): number =>
  (to.getTime() - Date.parse(from)) / HOUR_MS;

/** The best matching story among candidates in the window, or undefined. */
function matchingStory(
  fingerprint: StoryFingerprint,
  candidates: readonly StoryCandidate[],
  now: Date,
): StoryCandidate | undefined {
  const open = candidates.filter((candidate) => {
    const age = hoursBetween(candidate.firstSeen, now);
    return age <= STORY_WINDOW_HOURS;
  });
  const byFirstSeen = (a: StoryCandidate, b: StoryCandidate): number =>
    Date.parse(a.firstSeen) - Date.parse(b.firstSeen) || a.storyId.localeCompare(b.storyId);

  if (fingerprint.urlKey !== undefined) {
    const samePage = open.filter((candidate) => candidate.urlKey === fingerprint.urlKey);
    if (samePage.length > 0) return [...samePage].sort(byFirstSeen)[0];
  }

  let best: { candidate: StoryCandidate; score: number } | undefined;
  for (const candidate of [...open].sort(byFirstSeen)) {
    const age = hoursBetween(candidate.firstSeen, now);
    if (!isSameStory(fingerprint.signature, candidate.signature, age)) continue;
    const { concepts, text } = similarity(fingerprint.signature, candidate.signature);
    const score = Math.max(concepts, text);
    if (best === undefined || score > best.score) best = { candidate, score };
  }
  return best?.candidate;
}

/**
 * Folds one article, first seen at `now`, into the story it is a copy of, or starts a new story
 * (see the module comment for the steps and the preferred errors).
 */
export async function foldIntoStory(
  article: FoldableArticle,
  fingerprint: StoryFingerprint,
  index: StoryIndex,
  now: Date,
  options: { pause?: (ms: number) => Promise<void> } = {},
): Promise<FoldResult> {
  const keys = keysOf(fingerprint);
  const candidates = await index.findCandidates(keys);
  const ownStoryId = storyIdFor(article.id);

  // Seen before (a retry): the same answer as the first time, after finishing a second round
  // that a crash interrupted.
  const earlier = candidates.find((candidate) => candidate.articleId === article.id);
  if (earlier?.claiming) {
    return settleNewStory(earlier, fingerprint, keys, index, now, options.pause ?? defaultPause);
  }
  if (earlier) return { storyId: earlier.storyId, isNew: earlier.storyId === ownStoryId };

  const story = matchingStory(fingerprint, candidates, now);
  const member: StoryMember = {
    storyId: story?.storyId ?? ownStoryId,
    articleId: article.id,
    firstSeen: story?.firstSeen ?? now.toISOString(),
    ...(fingerprint.urlKey === undefined ? {} : { urlKey: fingerprint.urlKey }),
    signature: [...fingerprint.signature],
    topicIds: [...article.topicIds],
    ...(story ? (story.seq === undefined ? {} : { seq: story.seq }) : { claiming: true }),
  };
  await index.addMember(member, keys);
  if (story) return { storyId: story.storyId, isNew: false };
  return settleNewStory(member, fingerprint, keys, index, now, options.pause ?? defaultPause);
}

const defaultPause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The second round of a new story (see the module comment): keep it, or yield to an earlier one. */
async function settleNewStory(
  member: StoryMember,
  fingerprint: StoryFingerprint,
  keys: readonly string[],
  index: StoryIndex,
  now: Date,
  pause: (ms: number) => Promise<void>,
): Promise<FoldResult> {
  const seq = await index.takeSequence(member.articleId);
  for (let attempt = 1; ; attempt++) {
    const others = (await index.findCandidates(keys, { consistent: true })).filter(
      (candidate) => candidate.storyId !== member.storyId,
    );
    const rival = matchingStory(fingerprint, others, now);
    const rivalSeq = rival?.claiming ? undefined : (rival?.seq ?? Number.NEGATIVE_INFINITY);
    if (rival && rivalSeq !== undefined && rivalSeq < seq) {
      await index.joinStory(member.articleId, rival);
      return { storyId: rival.storyId, isNew: false };
    }
    // No earlier rival; or one still claiming, which is given a moment to take its number (a
    // member left claiming by a crash is not waited for beyond that).
    if (!rival?.claiming || attempt >= SETTLE_ATTEMPTS) {
      return { storyId: member.storyId, isNew: true };
    }
    await pause(SETTLE_PAUSE_MS * attempt);
  }
}

/**
 * A `StoryIndex` in memory: for the local runner, the evaluation and tests. Holds every member
 * it is given until `expireBefore` drops old stories.
 */
export class InMemoryStoryIndex implements StoryIndex {
  private readonly membersByKey = new Map<string, Map<string, StoryMember>>();
  private sequence = 0;

  async findCandidates(keys: readonly string[]): Promise<StoryCandidate[]> {
    const found = new Map<string, StoryMember>();
    for (const key of keys) {
      for (const [articleId, member] of this.membersByKey.get(key) ?? []) {
        found.set(articleId, member);
      }
    }
    return [...found.values()].map((member) => structuredClone(member));
  }

  async addMember(member: StoryMember, keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      let members = this.membersByKey.get(key);
      if (!members) {
        members = new Map();
        this.membersByKey.set(key, members);
      }
      if (!members.has(member.articleId)) members.set(member.articleId, structuredClone(member));
    }
  }

  async takeSequence(articleId: string): Promise<number> {
    this.sequence += 1;
    this.updateMember(articleId, { seq: this.sequence, claiming: undefined });
    return this.sequence;
  }

  async joinStory(
    articleId: string,
    story: Pick<StoryMember, 'storyId' | 'firstSeen' | 'seq'>,
  ): Promise<void> {
    this.updateMember(articleId, {
      storyId: story.storyId,
      firstSeen: story.firstSeen,
      seq: story.seq,
      claiming: undefined,
    });
  }

  private updateMember(articleId: string, changes: Partial<StoryMember>): void {
    for (const members of this.membersByKey.values()) {
      const member = members.get(articleId);
      if (!member) continue;
      const updated: StoryMember = { ...member, ...changes };
      for (const [name, value] of Object.entries(updated)) {
        if (value === undefined) delete updated[name as keyof StoryMember];
      }
      members.set(articleId, updated);
    }
  }

  /** Drops members of stories first seen before `time`: they can no longer take copies. */
  expireBefore(time: Date): void {
    for (const [key, members] of this.membersByKey) {
      for (const [articleId, member] of members) {
        if (Date.parse(member.firstSeen) < time.getTime()) members.delete(articleId);
      }
      if (members.size === 0) this.membersByKey.delete(key);
    }
  }

  /** How many keys are indexed; for tests and the local runner's report. */
  get size(): number {
    return this.membersByKey.size;
  }
}
