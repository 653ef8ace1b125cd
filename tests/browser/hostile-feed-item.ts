/**
 * A feed item written to attack the page: markup in its title and summary that survives the
 * pipeline as text (the feed encodes it twice, so after XML parsing and entity decoding it is
 * literal `<img …>` text, which is what a careless page would turn into elements), and a
 * javascript: link. The browser tests add it to a copy of the demo's Tehran Times feed.
 */

/** The headline as the page must show it: as text. */
export const HOSTILE_TITLE =
  '<img src=x onerror="window.__pwned=1"> Russia and Iran open a joint sturgeon hatchery on the Caspian Sea';

export const HOSTILE_SUMMARY =
  'Russian and Iranian fisheries agencies opened a joint sturgeon hatchery near Astrakhan to restore Caspian stocks, officials in Moscow and Tehran said. <script>window.__pwned=3</script>';

export const HOSTILE_FEED_FILE = 'feeds/tehrantimes-en.xml';

function escapeMarkup(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/** The RSS item: the texts escaped once for HTML, once more for XML. */
export function hostileItemXml(publishedAt: Date): string {
  const twice = (text: string) => escapeMarkup(escapeMarkup(text));
  return `  <item>
    <title>${twice(HOSTILE_TITLE)}</title>
    <link>javascript:window.__pwned=2</link>
    <guid isPermaLink="false">browser-tests-hostile-item</guid>
    <pubDate>${publishedAt.toUTCString()}</pubDate>
    <description>${twice(HOSTILE_SUMMARY)}</description>
  </item>
`;
}
