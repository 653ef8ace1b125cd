/**
 * The items the benches' synthetic feeds publish: topical headlines taken from the demo feeds
 * (they match topics) and filler that matches nothing, both drawn from the bench's seeded PRNG.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PoolItem {
  title: string;
  description: string;
}

/** Items of these UTF-8 demo feeds (data/demo/feeds), verbatim (already XML-escaped). */
export function loadTopicalItems(files: readonly string[]): PoolItem[] {
  const dir = join(import.meta.dirname, '../../data/demo/feeds');
  const items: PoolItem[] = [];
  for (const file of files) {
    const xml = readFileSync(join(dir, file), 'utf8');
    if (!/encoding="utf-8"/i.test(xml.slice(0, 100))) continue;
    for (const block of xml.match(/<item>[\s\S]*?<\/item>/g) ?? []) {
      const title = block.match(/<title>([\s\S]*?)<\/title>/)?.[1];
      const description = block.match(/<description>([\s\S]*?)<\/description>/)?.[1] ?? '';
      if (title) items.push({ title, description });
    }
  }
  return items;
}

const FILLER_WORDS =
  'council weather football market harvest festival museum school traffic bridge election budget concert storm hospital airport library garden parliament startup'.split(
    ' ',
  );

/** A local story with no bearing on the tracked topics, numbered `serial`. */
export function fillerItem(serial: number, random: () => number): PoolItem {
  const words = Array.from(
    { length: 8 },
    () => FILLER_WORDS[Math.floor(random() * FILLER_WORDS.length)],
  );
  return {
    title: `${words.slice(0, 5).join(' ')} report ${serial}`,
    description: `${words.join(' ')}: a local story with no bearing on the tracked topics (${serial}).`,
  };
}

/** Where the synthetic developments take place: exclusive markers for the story folding. */
export const VENUES = [
  'Kazan',
  'Sochi',
  'Astana',
  'Tashkent',
  'Ashgabat',
  'Muscat',
  'Doha',
  'Geneva',
] as const;
