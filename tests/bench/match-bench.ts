/**
 * `npm run bench:match -- --topics N [--articles M] [--seconds S] [--json]`
 *
 * Builds N synthetic topics from the query grammar (terms, phrases, NEAR/n, NOT, wildcards, field
 * scopes, shared alias groups) and a stream of articles (a ~10-word title and a ~60-word summary in
 * English, Russian or Persian, words drawn with a Zipf law from per-language vocabularies), then
 * measures on one core the articles per second of the indexed matcher and of the naive evaluator
 * (every topic against every article), in the same run. The last line is one JSON object.
 */
import { parseArgs } from 'node:util';
import { compileTopics } from '../../functions/core/matching/topic-matcher';
import type { Topic } from '../../functions/core/model';
import { seededRandom } from './seeded-random';

const { values } = parseArgs({
  options: {
    topics: { type: 'string', default: '10000' },
    articles: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '3' },
    seed: { type: 'string', default: '42' },
    json: { type: 'boolean', default: false },
    /** `--skip-naive` leaves the naive run out (for profiling the indexed engine alone). */
    'skip-naive': { type: 'boolean', default: false },
  },
});
const topicCount = Number(values.topics);
const articleCount = Number(values.articles);
const seconds = Number(values.seconds);
if (![topicCount, articleCount, seconds].every((value) => Number.isFinite(value) && value > 0)) {
  throw new Error('--topics, --articles and --seconds must be positive numbers');
}

const random = seededRandom(Number(values.seed));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));

type Language = 'en' | 'ru' | 'fa';
const SYLLABLES: Record<Language, string[]> = {
  en: 'ba be bi bo ra re ri ro ta te ti to na ne ni no la le li lo ma me mi mo sa se si so ka ke ki ko da de di do ga ge gi go pa pe pi po va ve vi vo'.split(
    ' ',
  ),
  ru: 'ба бе би бо ра ре ри ро та те ти то на не ни но ла ле ли ло ма ме ми мо са се си со ка ке ки ко да де ди до га ге ги го па пе пи по ва ве ви во'.split(
    ' ',
  ),
  fa: 'با بی بو را ری رو تا تی تو نا نی نو لا لی لو ما می مو سا سی سو کا کی کو دا دی دو گا گی گو پا پی پو وا وی زا زی شا شی'.split(
    ' ',
  ),
};
/** Real words of the story, so topics and articles share a recognisable core vocabulary. */
const CORE_WORDS: Record<Language, string[]> = {
  en: 'russia iran moscow tehran treaty partnership gas oil nuclear rosatom bushehr sanctions corridor railway caspian drills drones missiles bank trade currency ruble rial duma majlis ratified agreement minister president talks security terrorism brics summit cooperation energy transit cargo satellite cyber'.split(
    ' ',
  ),
  ru: 'россия иран москва тегеран договор партнерство газ нефть ядерный росатом бушер санкции коридор железная каспий учения дроны ракеты банк торговля валюта рубль риал дума меджлис ратифицировала соглашение министр президент переговоры безопасность терроризм брикс саммит сотрудничество энергетика транзит груз спутник кибер'.split(
    ' ',
  ),
  fa: 'روسیه ایران مسکو تهران معاهده همکاری گاز نفت هسته‌ای روس‌اتم بوشهر تحریم کریدور راه‌آهن خزر رزمایش پهپاد موشک بانک تجارت ارز روبل ریال دوما مجلس تصویب توافق وزیر رئیس مذاکرات امنیت تروریسم بریکس اجلاس انرژی ترانزیت بار ماهواره سایبری'.split(
    ' ',
  ),
};
/**
 * Words per language: about the distinct vocabulary of a year of one language's news. Articles
 * draw from it with a Zipf law; topic terms come from all but its most common words, so as topics
 * grow in number they also grow in vocabulary, as real monitoring topics (names, places,
 * programmes) do.
 */
const VOCABULARY_SIZE = 50_000;

function syntheticWord(language: Language): string {
  let word = '';
  const syllables = between(2, 5);
  for (let index = 0; index < syllables; index++) word += pick(SYLLABLES[language]);
  return word;
}

const vocabularies = {} as Record<Language, string[]>;
for (const language of ['en', 'ru', 'fa'] as const) {
  const words = new Set(CORE_WORDS[language]);
  while (words.size < VOCABULARY_SIZE) words.add(syntheticWord(language));
  vocabularies[language] = [...words];
}

/** Zipf-distributed rank (s = 1): a few words are very common, most are rare. */
const harmonic = Array.from({ length: VOCABULARY_SIZE }, (_, rank) => 1 / (rank + 1));
const cumulative: number[] = [];
harmonic.reduce((sum, weight, index) => {
  cumulative[index] = sum + weight;
  return sum + weight;
}, 0);
function zipfRank(): number {
  const target = random() * (cumulative.at(-1) ?? 1);
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((cumulative[middle] ?? 0) < target) low = middle + 1;
    else high = middle;
  }
  return low;
}
const articleWord = (language: Language) => vocabularies[language][zipfRank()] as string;
/**
 * Topic words are specific, as analysts' queries are (names, places, programmes): drawn evenly
 * from all but the 200 most common words of the language.
 */
const topicWord = (language: Language) =>
  vocabularies[language][between(200, VOCABULARY_SIZE - 1)] as string;

function makeArticle() {
  const language = pick(['en', 'ru', 'fa'] as const);
  const words = (count: number) => Array.from({ length: count }, () => articleWord(language));
  return {
    title: words(between(8, 12)).join(' '),
    summary: words(between(50, 70)).join(' '),
    language,
  };
}

const ALIAS_COUNT = 200;
const aliases: Record<string, string> = {};
for (let index = 0; index < ALIAS_COUNT; index++) {
  const language = pick(['en', 'ru', 'fa'] as const);
  const words = Array.from(
    { length: between(5, 15) },
    () => vocabularies[language][between(10, 2_000)],
  );
  aliases[`group${index}`] = words.join(' OR ');
}

function clause(language: Language): string {
  const roll = random();
  if (roll < 0.5) return topicWord(language);
  if (roll < 0.7) return `"${topicWord(language)} ${topicWord(language)}"`;
  if (roll < 0.85) {
    const word = topicWord(language);
    return `${[...word].slice(0, Math.max(5, [...word].length - 1)).join('')}*`;
  }
  return `${topicWord(language)} NEAR/${between(2, 10)} ${topicWord(language)}`;
}

function group(language: Language): string {
  const clauses = Array.from({ length: between(1, 4) }, () => clause(language));
  return clauses.length === 1 ? (clauses[0] as string) : `(${clauses.join(' OR ')})`;
}

/**
 * Shaped like the default pack's topics: an alias group that sets the scene (as @russia does),
 * the topic's own terms, sometimes a second group, a title scope or an exclusion.
 */
function makeTopic(index: number): Topic {
  const language = pick(['en', 'ru', 'fa'] as const);
  const parts = [group(language)];
  if (random() < 0.6) parts.unshift(`@group${between(0, ALIAS_COUNT - 1)}`);
  if (random() < 0.6) parts.push(group(language));
  if (random() < 0.3) parts.push(`title:${topicWord(language)}`);
  if (random() < 0.4) parts.push(`NOT ${group(language)}`);
  return {
    id: `topic-${index}`,
    name: `Topic ${index}`,
    description: '',
    query: parts.join(' AND '),
  };
}

const topics = Array.from({ length: topicCount }, (_, index) => makeTopic(index));
const articles = Array.from({ length: articleCount }, makeArticle);
const log = (line: string) => process.stderr.write(`${line}\n`);

function heapMB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().heapUsed / 1_048_576);
}

/**
 * Articles per second of CPU time (user + system, all threads of this process): "on one core",
 * and steady when other work shares the machine.
 */
function throughput(match: (article: (typeof articles)[number]) => unknown, budgetMs: number) {
  for (let index = 0; index < Math.min(50, articles.length); index++)
    match(articles[index] as never);
  let processed = 0;
  let matched = 0;
  const cpuMs = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
  const started = cpuMs();
  // The clock is read every 32 articles: reading CPU time is a system call.
  while (cpuMs() - started < budgetMs || processed < 5) {
    for (let batch = 0; batch < 32; batch++) {
      const result = match(articles[processed % articles.length] as never) as unknown[];
      matched += result.length;
      processed++;
    }
  }
  const elapsed = cpuMs() - started;
  return { perSecond: (processed / elapsed) * 1000, processed, matched };
}

const heapBefore = heapMB();
const compileStarted = performance.now();
const indexed = compileTopics(topics, aliases);
const compileMs = Math.round(performance.now() - compileStarted);
const heapAfter = heapMB();
log(
  `compiled ${topicCount} topics in ${compileMs} ms; heap ${heapAfter} MB (+${heapAfter - heapBefore})`,
);
log(
  `index: ${indexed.stats.indexKeys} keys, ${indexed.stats.alwaysEvaluated} topics always evaluated`,
);

let candidates = 0;
const indexedRun = throughput((article) => {
  const result = indexed.match(article);
  candidates += indexed.lastCandidates;
  return result;
}, seconds * 1000);
log(
  `indexed: ${Math.round(indexedRun.perSecond)} articles/s over ${indexedRun.processed} articles, ` +
    `${(candidates / (indexedRun.processed + 50)).toFixed(1)} candidate topics per article, ` +
    `${(indexedRun.matched / indexedRun.processed).toFixed(2)} matches per article`,
);

const naive = compileTopics(topics, aliases, { strategy: 'naive' });
const naiveRun = values['skip-naive']
  ? { perSecond: Number.NaN, processed: 1, matched: 0 }
  : throughput((article) => naive.match(article), seconds * 1000);
log(`naive: ${naiveRun.perSecond.toFixed(1)} articles/s over ${naiveRun.processed} articles`);
if (
  Math.abs(naiveRun.matched / naiveRun.processed - indexedRun.matched / indexedRun.processed) > 1
) {
  log('warning: the naive and indexed runs found very different match rates');
}

const result = {
  topics: topicCount,
  articlesPerSec: Math.round(indexedRun.perSecond),
  naiveArticlesPerSec: Number(naiveRun.perSecond.toFixed(1)),
  speedup: Number((indexedRun.perSecond / naiveRun.perSecond).toFixed(1)),
  compileMs,
  heapMB: heapAfter,
};
console.log(values.json ? JSON.stringify(result) : result);
