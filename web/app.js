/**
 * The dashboard: a hash-routed page over the HTTP API (docs/api.md). Plain DOM, no framework, no
 * build step, nothing from a CDN.
 *
 * Every text that comes from the API (feed titles and snippets, outlet names, feed errors, topic
 * names) is hostile input: it reaches the page through `textContent` and attribute values only,
 * never through `innerHTML`, and only http(s) links become anchors. The page runs under a strict
 * CSP (no inline script or style), so charts are SVG shaped by attributes and classes.
 *
 * Routes: `#/` topic list, `#/topics/<id>` one topic, `#/feeds` feed health, `#/editor` a new
 * topic, `#/editor/<id>` an existing one.
 */

const TOKEN_KEY = 'news-alerts.api-token';
const TIMELINE_DAYS = 30;
const STORIES_PAGE_SIZE = 5;
const PREVIEW_DEBOUNCE_MS = 350;
const LOCALE = 'en';

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const announcer = /** @type {HTMLElement} */ (document.getElementById('announcer'));

// ---------------------------------------------------------------------------------------------
// DOM helpers: the only way this file builds elements, so data can only ever become text.

/**
 * An element with attributes and children. Attribute values are set with `setAttribute` (never
 * parsed as HTML); `on*` keys that hold functions become listeners; strings and numbers among the
 * children become text nodes; `null`, `undefined` and `false` are skipped.
 */
function el(tag, attributes = {}, ...children) {
  return build(document.createElement(tag), attributes, children);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

function svg(tag, attributes = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attributes, children);
}

function build(node, attributes, children) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      node.addEventListener(name.slice(2).toLowerCase(), value);
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** An anchor when the URL is absolute http(s); otherwise the same text, not clickable. */
function externalLink(url, text, attributes = {}) {
  const safe = httpUrl(url);
  if (!safe) return el('span', { ...attributes, dir: 'auto' }, text);
  return el(
    'a',
    { ...attributes, href: safe, rel: 'noopener noreferrer nofollow', dir: 'auto' },
    text,
  );
}

function httpUrl(value) {
  if (typeof value !== 'string' || value === '') return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** Replaces the page content; skips null children like `el` does. */
function show(...children) {
  main.replaceChildren();
  append(main, children);
}

function announce(message) {
  // Cleared first so that the same message twice is still read out.
  announcer.textContent = '';
  window.setTimeout(() => {
    announcer.textContent = message;
  }, 50);
}

// ---------------------------------------------------------------------------------------------
// Formatting

const numberFormat = new Intl.NumberFormat(LOCALE);
const relativeFormat = new Intl.RelativeTimeFormat(LOCALE, { numeric: 'auto' });
const dateTimeFormat = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeStyle: 'short' });
const dayFormat = new Intl.DateTimeFormat(LOCALE, {
  day: 'numeric',
  month: 'short',
  timeZone: 'UTC',
});
const longDayFormat = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeZone: 'UTC' });
const languageNames = new Intl.DisplayNames([LOCALE], { type: 'language' });

function formatNumber(value) {
  return typeof value === 'number' && Number.isFinite(value) ? numberFormat.format(value) : '—';
}

function plural(count, one, many) {
  return `${formatNumber(count)} ${count === 1 ? one : many}`;
}

const RELATIVE_UNITS = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

function parseDate(value) {
  if (typeof value !== 'string' || value === '') return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function relativeTime(date) {
  const seconds = (date.getTime() - Date.now()) / 1000;
  for (const [unit, size] of RELATIVE_UNITS) {
    if (Math.abs(seconds) >= size || unit === 'second') {
      return relativeFormat.format(Math.round(seconds / size), unit);
    }
  }
  return '';
}

/** A `<time>` showing "3 hours ago", with the exact moment as its tooltip and machine value. */
function timeElement(value, missing = '—') {
  const date = parseDate(value);
  if (!date) return el('span', { class: 'muted' }, missing);
  return el(
    'time',
    { datetime: date.toISOString(), title: dateTimeFormat.format(date) },
    relativeTime(date),
  );
}

/** "2025-05-01" as a UTC day, "1 May". */
function shortDay(day) {
  const date = parseDate(`${day}T00:00:00Z`);
  return date ? dayFormat.format(date) : String(day);
}

function longDay(day) {
  const date = parseDate(`${day}T00:00:00Z`);
  return date ? longDayFormat.format(date) : String(day);
}

function languageName(code) {
  try {
    const name = languageNames.of(String(code));
    return name && name !== code ? `${name} (${code})` : String(code);
  } catch {
    return String(code);
  }
}

function formatDuration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) return '—';
  const minutes = ms / 60_000;
  if (minutes < 1) return `${Math.round(ms / 1000)} s`;
  if (minutes < 120) return `${Math.round(minutes)} min`;
  const hours = minutes / 60;
  return hours < 48 ? `${Math.round(hours * 10) / 10} h` : `${Math.round(hours / 24)} d`;
}

// ---------------------------------------------------------------------------------------------
// API client

class ApiError extends Error {
  constructor(status, code, message, field, position) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = typeof field === 'string' ? field : undefined;
    this.position = typeof position === 'number' ? position : undefined;
  }
}

function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

function setToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage may be disabled: the token then lives as long as the input field.
  }
}

/**
 * One call to the API. Resolves with the parsed body (null for 204); rejects with an `ApiError`
 * carrying the status and the `{error}` fields, or with the fetch's AbortError when cancelled.
 */
async function api(path, { method = 'GET', body, auth = false, signal } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const token = auth ? getToken().trim() : '';
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(`/api${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: 'same-origin',
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network', 'The server could not be reached.');
  }
  if (response.status === 204) return null;
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (!response.ok) {
    const error = payload && typeof payload === 'object' ? (payload.error ?? {}) : {};
    throw new ApiError(
      response.status,
      typeof error.code === 'string' ? error.code : 'http_error',
      typeof error.message === 'string' && error.message ? error.message : response.statusText,
      error.field,
      error.position,
    );
  }
  return payload;
}

function isAbort(error) {
  return error instanceof DOMException && error.name === 'AbortError';
}

/** A sentence a person can act on, for any failed call. */
function describeError(error) {
  if (!(error instanceof ApiError))
    return `Something went wrong: ${String(error?.message ?? error)}`;
  switch (error.status) {
    case 0:
      return 'The server could not be reached. Is the runner still going?';
    case 401:
      return `Not signed in (401): enter the API token above. The server said: ${error.message}`;
    case 403:
      return `The API token was refused (403 forbidden): check it. The server said: ${error.message}`;
    case 404:
      return `Not found (404): ${error.message}`;
    case 409:
      return `Conflict (409): ${error.message}`;
    default:
      return `${error.message} (${error.status} ${error.code})`;
  }
}

function errorBox(error, retry) {
  return el(
    'div',
    { class: 'error', role: 'alert' },
    el('p', {}, describeError(error)),
    retry ? el('button', { type: 'button', onclick: retry }, 'Try again') : null,
  );
}

// ---------------------------------------------------------------------------------------------
// Router

/** Each view gets a signal aborted when the reader leaves it: pending calls and timers stop. */
let currentView = new AbortController();
/** A message for the next view ("Topic saved"), shown once. */
let flash = null;

const ROUTES = [
  [/^\/$/, 'topics', () => renderTopicList],
  [/^\/topics\/([^/]+)$/, 'topics', (id) => (view) => renderTopic(view, id)],
  [/^\/feeds$/, 'feeds', () => renderFeeds],
  [/^\/editor$/, 'editor', () => (view) => renderEditor(view, null)],
  [/^\/editor\/([^/]+)$/, 'editor', (id) => (view) => renderEditor(view, id)],
];

function route() {
  const path = location.hash.startsWith('#/') ? location.hash.slice(1) : '/';
  for (const [pattern, section, make] of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    let parameter;
    try {
      parameter = match[1] === undefined ? undefined : decodeURIComponent(match[1]);
    } catch {
      break;
    }
    return { section, render: make(parameter) };
  }
  return { section: null, render: renderNotFound };
}

async function navigate({ focus }) {
  currentView.abort();
  currentView = new AbortController();
  const view = { signal: currentView.signal };
  const { section, render } = route();
  for (const link of document.querySelectorAll('nav a[data-nav]')) {
    if (link.dataset.nav === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  show(el('p', { class: 'loading', role: 'status' }, 'Loading…'));
  main.setAttribute('aria-busy', 'true');
  try {
    await render(view);
  } catch (error) {
    if (isAbort(error) || view.signal.aborted) return;
    show(
      heading('Could not load this page'),
      errorBox(error, () => navigate({ focus: true })),
    );
  } finally {
    if (!view.signal.aborted) main.removeAttribute('aria-busy');
  }
  if (view.signal.aborted) return;
  // After a navigation, keyboard and screen reader users start at the new page's heading.
  if (focus) main.querySelector('h1')?.focus();
}

/** The page heading, focusable by script so navigation can move focus to it. */
function heading(text) {
  document.title = `${text} · News alerts`;
  return el('h1', { tabindex: '-1', dir: 'auto' }, text);
}

function takeFlash() {
  if (!flash) return null;
  const message = flash;
  flash = null;
  announce(message);
  return el('p', { class: 'flash', role: 'status' }, message);
}

function topicHref(id) {
  return `#/topics/${encodeURIComponent(id)}`;
}

function editorHref(id) {
  return `#/editor/${encodeURIComponent(id)}`;
}

async function renderNotFound() {
  show(
    heading('Page not found'),
    el('p', {}, 'There is nothing at this address. ', el('a', { href: '#/' }, 'See all topics.')),
  );
}

// ---------------------------------------------------------------------------------------------
// Topic list

async function renderTopicList(view) {
  const { topics } = await api('/topics', { signal: view.signal });
  const list = Array.isArray(topics) ? topics : [];
  show(
    heading('Topics'),
    takeFlash(),
    el(
      'p',
      { class: 'lede' },
      'Articles and stories matched per topic. The bars show articles per day over the last 30 days. ',
      el('a', { href: '#/editor' }, 'Add a topic'),
      '.',
    ),
    list.length === 0
      ? el('p', {}, 'No topics yet.')
      : el('ul', { class: 'topic-list', 'aria-label': 'Topics' }, list.map(topicCard)),
  );
  announce(`${plural(list.length, 'topic', 'topics')} loaded.`);
}

function topicCard(topic) {
  const counts = topic.counts ?? {};
  return el(
    'li',
    { class: 'topic-card', 'data-topic-id': topic.id },
    el(
      'h2',
      { class: 'topic-name' },
      el('a', { href: topicHref(topic.id), dir: 'auto' }, topic.name),
    ),
    topic.description ? el('p', { class: 'description', dir: 'auto' }, topic.description) : null,
    countsList(counts),
    sparkline(Array.isArray(topic.sparkline) ? topic.sparkline : []),
    el('p', { class: 'last-story' }, 'Last story: ', timeElement(topic.lastStoryAt, 'none yet')),
  );
}

function countsList(counts) {
  const row = (label, articles, stories) => [
    el('dt', {}, label),
    el(
      'dd',
      {},
      `${plural(articles, 'article', 'articles')}, ${plural(stories, 'story', 'stories')}`,
    ),
  ];
  return el(
    'dl',
    { class: 'counts' },
    row('Last 7 days', counts.articles7d, counts.stories7d),
    row('Last 30 days', counts.articles30d, counts.stories30d),
  );
}

/** A small bar chart of articles per day, with its summary as the accessible name. */
function sparkline(days) {
  const width = 120;
  const height = 32;
  const values = days.map((day) =>
    Number.isFinite(day?.articles) ? Math.max(0, day.articles) : 0,
  );
  const max = Math.max(0, ...values);
  const total = values.reduce((sum, value) => sum + value, 0);
  const step = days.length > 0 ? width / days.length : width;
  const label =
    days.length === 0
      ? 'No daily counts.'
      : `Articles per day over the last ${days.length} days: ${formatNumber(total)} in total${
          max > 0
            ? `, at most ${formatNumber(max)} on ${longDay(days[values.indexOf(max)]?.day)}`
            : ''
        }.`;
  return svg(
    'svg',
    {
      class: 'sparkline',
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: 'img',
      'aria-label': label,
      preserveAspectRatio: 'none',
    },
    svg('title', {}, label),
    svg('line', { class: 'baseline', x1: 0, x2: width, y1: height - 0.5, y2: height - 0.5 }),
    days.map((day, index) => {
      const value = values[index] ?? 0;
      const barHeight = max > 0 ? Math.max(value > 0 ? 2 : 0, (value / max) * (height - 2)) : 0;
      return svg(
        'rect',
        {
          class: 'bar',
          x: (index * step + 0.5).toFixed(2),
          y: (height - barHeight).toFixed(2),
          width: Math.max(1, step - 1).toFixed(2),
          height: barHeight.toFixed(2),
          'data-day': day?.day,
          'data-value': value,
        },
        svg('title', {}, `${longDay(day?.day)}: ${plural(value, 'article', 'articles')}`),
      );
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Topic page

async function renderTopic(view, id) {
  const encoded = encodeURIComponent(id);
  const [detail, timeline, firstPage] = await Promise.all([
    api(`/topics/${encoded}`, { signal: view.signal }),
    api(`/topics/${encoded}/timeline?days=${TIMELINE_DAYS}`, { signal: view.signal }),
    api(`/topics/${encoded}/stories?limit=${STORIES_PAGE_SIZE}`, { signal: view.signal }),
  ]);
  const topic = detail.topic ?? {};
  const days = Array.isArray(timeline.days) ? timeline.days : [];

  const storyList = el('ol', { class: 'stories', 'aria-label': 'Latest stories' });
  const storyStatus = el('p', { class: 'muted', role: 'status' });
  const loadMore = el('button', { type: 'button', class: 'load-more' }, 'Load more stories');
  let cursor = null;
  let shown = 0;

  const addPage = (page) => {
    const stories = Array.isArray(page.stories) ? page.stories : [];
    append(storyList, stories.map(storyItem));
    shown += stories.length;
    cursor = typeof page.nextCursor === 'string' && page.nextCursor ? page.nextCursor : null;
    loadMore.hidden = cursor === null;
    storyStatus.textContent =
      shown === 0
        ? 'No stories have matched this topic yet.'
        : `Showing ${plural(shown, 'story', 'stories')}${cursor ? '' : ', all there are'}.`;
    return stories.length;
  };
  loadMore.addEventListener('click', async () => {
    if (!cursor) return;
    loadMore.disabled = true;
    loadMore.textContent = 'Loading…';
    try {
      const before = shown;
      const page = await api(
        `/topics/${encoded}/stories?limit=${STORIES_PAGE_SIZE}&cursor=${encodeURIComponent(cursor)}`,
        { signal: view.signal },
      );
      const added = addPage(page);
      // Keyboard users continue reading at the first new story.
      storyList.children[before]?.querySelector('a, .headline-text')?.focus();
      announce(`${plural(added, 'more story', 'more stories')} loaded.`);
    } catch (error) {
      if (isAbort(error)) return;
      storyStatus.replaceChildren(errorBox(error));
    } finally {
      loadMore.disabled = false;
      loadMore.textContent = 'Load more stories';
    }
  });
  addPage(firstPage);

  show(
    el('p', { class: 'breadcrumb' }, el('a', { href: '#/' }, '← All topics')),
    heading(topic.name ?? id),
    takeFlash(),
    topic.description ? el('p', { class: 'description', dir: 'auto' }, topic.description) : null,
    el(
      'dl',
      { class: 'definition' },
      el('dt', {}, 'Query'),
      el('dd', {}, el('code', { class: 'query', dir: 'ltr' }, topic.query ?? '')),
      el('dt', {}, 'Id'),
      el('dd', {}, el('code', {}, topic.id ?? id)),
      el('dt', {}, 'Last story'),
      el('dd', {}, timeElement(detail.lastStoryAt, 'none yet')),
    ),
    countsList(detail.counts ?? {}),
    el('p', {}, el('a', { href: editorHref(topic.id ?? id), class: 'button' }, 'Edit this topic')),
    el(
      'section',
      { 'aria-labelledby': 'timeline-heading', class: 'panel' },
      el('h2', { id: 'timeline-heading' }, `Articles per day, last ${days.length} days`),
      timelineChart(days),
    ),
    el(
      'section',
      { 'aria-labelledby': 'stories-heading', class: 'panel' },
      el('h2', { id: 'stories-heading' }, 'Latest stories'),
      storyList,
      storyStatus,
      loadMore,
    ),
  );
  announce(`Topic ${topic.name ?? id} loaded.`);
}

function niceCeiling(value) {
  if (value <= 4) return Math.max(1, Math.ceil(value));
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 2, 2.5, 5, 10]) {
    if (value <= factor * magnitude) return factor * magnitude;
  }
  return 10 * magnitude;
}

/**
 * Articles per day as bars, new stories per day as narrower bars in front, with a y axis, day
 * labels, a summary as the accessible name and the numbers as a table for those who want them.
 */
function timelineChart(days) {
  const width = 640;
  const height = 240;
  const margin = { top: 20, right: 12, bottom: 44, left: 40 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const articles = days.map((day) => (Number.isFinite(day?.articles) ? day.articles : 0));
  const stories = days.map((day) => (Number.isFinite(day?.stories) ? day.stories : 0));
  const top = niceCeiling(Math.max(0, ...articles, ...stories));
  const step = days.length > 0 ? plotWidth / days.length : plotWidth;
  const y = (value) => margin.top + plotHeight - (value / top) * plotHeight;
  const totalArticles = articles.reduce((sum, value) => sum + value, 0);
  const totalStories = stories.reduce((sum, value) => sum + value, 0);
  const busiest = articles.indexOf(Math.max(...articles));
  const summary =
    days.length === 0
      ? 'No daily counts.'
      : `Bar chart of articles and new stories per day from ${longDay(days[0]?.day)} to ${longDay(
          days[days.length - 1]?.day,
        )}: ${plural(totalArticles, 'article', 'articles')} and ${plural(
          totalStories,
          'new story',
          'new stories',
        )} in total${
          totalArticles > 0
            ? `; the busiest day was ${longDay(days[busiest]?.day)} with ${plural(
                articles[busiest] ?? 0,
                'article',
                'articles',
              )}`
            : ''
        }.`;

  const ticks = [0, top / 2, top].filter((value, index, all) => all.indexOf(value) === index);
  // About six day labels: every n-th day, and the last one unless it would crowd its neighbour.
  const labelEvery = Math.max(1, Math.ceil(days.length / 5));
  const last = days.length - 1;
  const labelled = (index) =>
    index === last || (index % labelEvery === 0 && last - index >= labelEvery);
  // The outer labels are aligned to the plot's edges so that they are never cut off.
  const labelAnchor = (index) =>
    index === 0 && last > 0 ? 'start' : index === last && last > 0 ? 'end' : 'middle';
  const labelX = (index) =>
    labelAnchor(index) === 'start'
      ? margin.left
      : labelAnchor(index) === 'end'
        ? margin.left + plotWidth
        : margin.left + (index + 0.5) * step;

  const chart = svg(
    'svg',
    {
      class: 'timeline',
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': summary,
    },
    svg('title', {}, summary),
    ticks.map((value) =>
      svg(
        'g',
        { class: 'tick' },
        svg('line', {
          class: value === 0 ? 'axis' : 'grid',
          x1: margin.left,
          x2: width - margin.right,
          y1: y(value).toFixed(1),
          y2: y(value).toFixed(1),
        }),
        svg(
          'text',
          { class: 'axis-label', x: margin.left - 6, y: y(value) + 4, 'text-anchor': 'end' },
          formatNumber(Number.isInteger(value) ? value : Math.round(value * 10) / 10),
        ),
      ),
    ),
    days.map((day, index) => {
      const x = margin.left + index * step;
      const articleCount = articles[index] ?? 0;
      const storyCount = stories[index] ?? 0;
      return svg(
        'g',
        { class: 'day' },
        svg(
          'title',
          {},
          `${longDay(day?.day)}: ${plural(articleCount, 'article', 'articles')}, ${plural(storyCount, 'new story', 'new stories')}`,
        ),
        svg('rect', {
          class: 'bar bar-articles',
          x: (x + step * 0.1).toFixed(2),
          y: y(articleCount).toFixed(2),
          width: (step * 0.8).toFixed(2),
          height: (margin.top + plotHeight - y(articleCount)).toFixed(2),
          'data-day': day?.day,
          'data-value': articleCount,
        }),
        svg('rect', {
          class: 'bar bar-stories',
          x: (x + step * 0.3).toFixed(2),
          y: y(storyCount).toFixed(2),
          width: (step * 0.4).toFixed(2),
          height: (margin.top + plotHeight - y(storyCount)).toFixed(2),
          'data-day': day?.day,
          'data-value': storyCount,
        }),
        labelled(index)
          ? svg(
              'text',
              {
                class: 'axis-label',
                x: labelX(index).toFixed(2),
                y: height - margin.bottom + 18,
                'text-anchor': labelAnchor(index),
              },
              shortDay(day?.day),
            )
          : null,
      );
    }),
    svg(
      'text',
      {
        class: 'axis-title',
        x: margin.left + plotWidth / 2,
        y: height - 6,
        'text-anchor': 'middle',
      },
      'Day (UTC)',
    ),
  );

  return el(
    'figure',
    { class: 'chart' },
    chart,
    el(
      'figcaption',
      { class: 'legend' },
      el('span', { class: 'swatch swatch-articles', 'aria-hidden': 'true' }),
      'Articles matched',
      el('span', { class: 'swatch swatch-stories', 'aria-hidden': 'true' }),
      'New stories',
    ),
    el(
      'details',
      { class: 'chart-data' },
      el('summary', {}, 'Show the numbers as a table'),
      el(
        'div',
        { class: 'table-scroll' },
        el(
          'table',
          {},
          el('caption', {}, 'Articles and new stories per day (UTC)'),
          el(
            'thead',
            {},
            el(
              'tr',
              {},
              el('th', { scope: 'col' }, 'Day'),
              el('th', { scope: 'col', class: 'number' }, 'Articles'),
              el('th', { scope: 'col', class: 'number' }, 'New stories'),
            ),
          ),
          el(
            'tbody',
            {},
            days.map((day, index) =>
              el(
                'tr',
                {},
                el('th', { scope: 'row' }, el('time', { datetime: day?.day }, longDay(day?.day))),
                el('td', { class: 'number' }, formatNumber(articles[index])),
                el('td', { class: 'number' }, formatNumber(stories[index])),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

function storyItem(story) {
  const outlets = Array.isArray(story.outlets) ? story.outlets : [];
  const languages = Array.isArray(story.languages) ? story.languages : [];
  const terms = Array.isArray(story.terms) ? story.terms : [];
  const headline = httpUrl(story.link)
    ? externalLink(story.link, story.headline)
    : el('span', { class: 'headline-text', tabindex: '-1', dir: 'auto' }, story.headline);
  return el(
    'li',
    { class: 'story' },
    el('h3', { class: 'headline' }, headline),
    story.snippet ? el('p', { class: 'snippet', dir: 'auto' }, story.snippet) : null,
    el(
      'dl',
      { class: 'story-meta' },
      el('dt', {}, 'Outlets'),
      el(
        'dd',
        { class: 'outlets' },
        outlets.length === 0
          ? '—'
          : outlets.map((outlet, index) => [
              index > 0 ? ', ' : null,
              el('span', { class: 'outlet', dir: 'auto' }, outlet),
            ]),
      ),
      el('dt', {}, 'Languages'),
      el('dd', {}, languages.length === 0 ? '—' : languages.map(languageName).join(', ')),
      el('dt', {}, 'First seen'),
      el('dd', {}, timeElement(story.firstSeen)),
      el('dt', {}, 'Articles'),
      el('dd', {}, formatNumber(story.articles)),
      el('dt', {}, 'Why it matched'),
      el(
        'dd',
        { class: 'terms' },
        terms.length === 0
          ? '—'
          : el(
              'ul',
              { class: 'term-list', 'aria-label': 'Matched terms' },
              terms.map((term) => el('li', { class: 'term', dir: 'auto' }, term)),
            ),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Feed health

/** A feed status made safe for a class name. */
function classSafe(value) {
  return String(value).replace(/[^a-zA-Z0-9_-]/g, '_');
}

const STATUS_LABELS = {
  ok: { text: 'OK', symbol: '✓' },
  failing: { text: 'Failing', symbol: '✕' },
  new: { text: 'New', symbol: '•' },
};

async function renderFeeds(view) {
  const { feeds } = await api('/feeds', { signal: view.signal });
  const list = Array.isArray(feeds) ? feeds : [];
  const byStatus = (status) => list.filter((feed) => feed.status === status).length;
  show(
    heading('Feed health'),
    el(
      'p',
      { class: 'lede' },
      `${plural(list.length, 'feed', 'feeds')}: ${formatNumber(byStatus('ok'))} OK, ${formatNumber(
        byStatus('failing'),
      )} failing, ${formatNumber(byStatus('new'))} not polled yet.`,
    ),
    el(
      'div',
      {
        class: 'table-scroll',
        role: 'region',
        'aria-labelledby': 'feeds-caption',
        tabindex: '0',
      },
      el(
        'table',
        { class: 'feeds' },
        el('caption', { id: 'feeds-caption' }, 'Feeds and their last polls'),
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            [
              'Name',
              'Language',
              'Status',
              'Last success',
              'Errors',
              'Interval',
              'Next poll',
              'Last error',
            ].map((label) =>
              el('th', { scope: 'col', class: label === 'Errors' ? 'number' : null }, label),
            ),
          ),
        ),
        el('tbody', {}, list.map(feedRow)),
      ),
    ),
  );
  announce(`${plural(list.length, 'feed', 'feeds')} loaded.`);
}

/**
 * `nextPollAt` is the feed's first due time; once it has passed, the feed is polled at the next
 * scheduled cycle, so "due" says more than "3 minutes ago".
 */
function nextPollElement(value) {
  const date = parseDate(value);
  if (!date || date.getTime() > Date.now()) return timeElement(value);
  return el(
    'time',
    { datetime: date.toISOString(), title: `Due since ${dateTimeFormat.format(date)}` },
    'due at the next cycle',
  );
}

function feedRow(feed) {
  const status = STATUS_LABELS[feed.status] ?? {
    text: String(feed.status ?? 'unknown'),
    symbol: '?',
  };
  return el(
    'tr',
    { 'data-feed-id': feed.id },
    el('th', { scope: 'row' }, externalLink(feed.url, feed.name ?? feed.id)),
    el('td', {}, feed.language ? languageName(feed.language) : '—'),
    el(
      'td',
      {},
      el(
        'span',
        { class: `status status-${classSafe(feed.status)}` },
        el('span', { 'aria-hidden': 'true' }, status.symbol),
        ` ${status.text}`,
      ),
    ),
    el('td', {}, timeElement(feed.lastSuccessAt, 'never')),
    el('td', { class: 'number' }, formatNumber(feed.consecutiveErrors ?? 0)),
    el('td', {}, formatDuration(feed.intervalMs)),
    el('td', {}, nextPollElement(feed.nextPollAt)),
    el('td', { class: 'last-error', dir: 'auto' }, feed.lastError ? feed.lastError : '—'),
  );
}

// ---------------------------------------------------------------------------------------------
// Topic editor

async function renderEditor(view, id) {
  const existing = id
    ? await api(`/topics/${encodeURIComponent(id)}`, { signal: view.signal })
    : null;
  const topic = existing?.topic ?? null;

  const field = (name, label, control, help) => {
    const helpId = `${name}-help`;
    const errorId = `${name}-error`;
    control.id = `field-${name}`;
    control.name = name;
    control.setAttribute('aria-describedby', help ? `${helpId} ${errorId}` : errorId);
    return el(
      'div',
      { class: 'field' },
      el('label', { for: control.id }, label),
      help ? el('p', { class: 'help', id: helpId }, help) : null,
      control,
      el('p', { class: 'field-error', id: errorId }),
    );
  };

  const tokenInput = el('input', {
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    value: getToken(),
  });
  const idInput = el('input', {
    type: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    pattern: '[a-z0-9]+(-[a-z0-9]+)*',
    maxlength: '64',
    readonly: topic ? true : null,
    value: topic?.id ?? '',
  });
  const nameInput = el('input', { type: 'text', required: true, value: topic?.name ?? '' });
  const descriptionInput = el('textarea', { rows: '2' });
  descriptionInput.value = topic?.description ?? '';
  const queryInput = el('textarea', { rows: '4', required: true, spellcheck: 'false', dir: 'ltr' });
  queryInput.value = topic?.query ?? '';
  const daysSelect = el(
    'select',
    {},
    [1, 3, 7, 14].map((days) =>
      el('option', { value: days, selected: days === 3 }, plural(days, 'day', 'days')),
    ),
  );

  const queryStatus = el('div', { class: 'query-status', 'aria-live': 'polite' });
  const previewSummary = el('p', { class: 'muted' });
  const previewList = el('ol', { class: 'preview-list', 'aria-label': 'Preview matches' });
  const formAlert = el('div', { class: 'form-alert' });
  const deleteArea = el('div', { class: 'delete-area' });

  const controls = {
    id: idInput,
    name: nameInput,
    description: descriptionInput,
    query: queryInput,
  };

  const clearFieldErrors = () => {
    for (const [name, control] of Object.entries(controls)) {
      control.removeAttribute('aria-invalid');
      const error = document.getElementById(`${name}-error`);
      if (error) error.textContent = '';
    }
  };
  const showFieldError = (name, message) => {
    const control = controls[name];
    if (!control) return false;
    control.setAttribute('aria-invalid', 'true');
    const error = document.getElementById(`${name}-error`);
    if (error) error.textContent = message;
    return true;
  };
  const showFormError = (message) => {
    formAlert.replaceChildren(el('div', { class: 'error', role: 'alert' }, el('p', {}, message)));
  };

  tokenInput.addEventListener('input', () => {
    setToken(tokenInput.value.trim());
    schedulePreview();
  });
  const forgetToken = el(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: () => {
        tokenInput.value = '';
        setToken('');
        tokenInput.focus();
        schedulePreview();
      },
    },
    'Forget token',
  );

  // Live validation and preview: one request at a time, the newest wins.
  let previewTimer = 0;
  let previewRequest = null;
  function schedulePreview() {
    window.clearTimeout(previewTimer);
    previewTimer = window.setTimeout(runPreview, PREVIEW_DEBOUNCE_MS);
  }
  view.signal.addEventListener('abort', () => {
    window.clearTimeout(previewTimer);
    previewRequest?.abort();
  });

  async function runPreview() {
    previewRequest?.abort();
    const query = queryInput.value;
    if (query.trim() === '') {
      queryInput.removeAttribute('aria-invalid');
      queryStatus.replaceChildren(
        el('p', { class: 'muted' }, 'Write a query to check it and preview its matches.'),
      );
      previewSummary.textContent = '';
      previewList.replaceChildren();
      return;
    }
    if (!getToken()) {
      queryStatus.replaceChildren(
        el(
          'p',
          { class: 'muted' },
          'Enter the API token above to check the query and preview its matches.',
        ),
      );
      return;
    }
    const request = new AbortController();
    previewRequest = request;
    queryStatus.replaceChildren(el('p', { class: 'muted' }, 'Checking…'));
    try {
      const result = await api('/topics/preview', {
        method: 'POST',
        body: { query, days: Number(daysSelect.value) },
        auth: true,
        signal: request.signal,
      });
      if (request.signal.aborted) return;
      queryInput.removeAttribute('aria-invalid');
      showPreview(result);
    } catch (error) {
      if (isAbort(error) || request.signal.aborted) return;
      previewSummary.textContent = '';
      previewList.replaceChildren();
      if (error instanceof ApiError && error.status === 400 && error.field === 'query') {
        queryInput.setAttribute('aria-invalid', 'true');
        queryStatus.replaceChildren(queryErrorBox(query, error));
      } else {
        queryStatus.replaceChildren(
          el('div', { class: 'error', role: 'alert' }, el('p', {}, describeError(error))),
        );
      }
    }
  }

  function queryErrorBox(query, error) {
    const position = error.position;
    const children = [el('p', {}, el('strong', {}, 'Query error: '), error.message)];
    if (position !== undefined && position >= 0 && position <= query.length) {
      children.push(
        // No number of our own: the server's message may already give the offset, counted from 0.
        el('p', {}, 'Where (highlighted):'),
        el(
          'pre',
          { class: 'query-excerpt', dir: 'ltr' },
          el(
            'code',
            {},
            query.slice(0, position),
            el('span', { class: 'visually-hidden' }, ' [the error is here:] '),
            el('mark', { class: 'error-at' }, query.slice(position, position + 1) || ' '),
            query.slice(position + 1),
          ),
        ),
        el(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () => {
              queryInput.focus();
              queryInput.setSelectionRange(position, Math.min(query.length, position + 1));
            },
          },
          'Go to the error',
        ),
      );
    }
    return el('div', { class: 'error query-error', role: 'alert' }, children);
  }

  function showPreview(result) {
    const matches = Array.isArray(result.matches) ? result.matches : [];
    queryStatus.replaceChildren(el('p', { class: 'ok' }, '✓ The query is valid.'));
    previewSummary.textContent = `${plural(matches.length, 'match', 'matches')} among ${plural(
      result.scanned,
      'article',
      'articles',
    )} stored in the last ${plural(result.days, 'day', 'days')}${
      result.truncated ? ' (stopped early: more may match)' : ''
    }.`;
    previewList.replaceChildren(
      ...matches.map((match) =>
        el(
          'li',
          { class: 'preview-match' },
          el('p', { class: 'headline' }, externalLink(match.link, match.title)),
          el(
            'p',
            { class: 'muted' },
            el('span', { dir: 'auto' }, match.source ?? ''),
            ' · ',
            match.language ? languageName(match.language) : '—',
            ' · ',
            timeElement(match.firstSeen),
            Array.isArray(match.terms) && match.terms.length > 0
              ? [' · matched on: ', el('span', { dir: 'auto' }, match.terms.join(', '))]
              : null,
          ),
        ),
      ),
    );
  }

  queryInput.addEventListener('input', schedulePreview);
  daysSelect.addEventListener('change', schedulePreview);

  const form = el('form', { class: 'editor', novalidate: true });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors();
    formAlert.replaceChildren();
    const body = {
      name: nameInput.value.trim(),
      description: descriptionInput.value.trim() || undefined,
      query: queryInput.value.trim(),
    };
    const missing = [];
    if (!body.name) missing.push(['name', 'Give the topic a name.']);
    if (!body.query) missing.push(['query', 'Write a query.']);
    const newId = idInput.value.trim();
    if (!topic && newId && !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(newId)) {
      missing.push(['id', 'Use lower-case letters, digits and single dashes, or leave it empty.']);
    }
    if (missing.length > 0) {
      for (const [name, message] of missing) showFieldError(name, message);
      showFormError(missing.map(([, message]) => message).join(' '));
      controls[missing[0]?.[0] ?? 'name']?.focus();
      return;
    }
    const submit = /** @type {HTMLButtonElement} */ (form.querySelector('button[type="submit"]'));
    submit.disabled = true;
    try {
      const result = topic
        ? await api(`/topics/${encodeURIComponent(topic.id)}`, {
            method: 'PUT',
            body,
            auth: true,
            signal: view.signal,
          })
        : await api('/topics', {
            method: 'POST',
            body: newId ? { id: newId, ...body } : body,
            auth: true,
            signal: view.signal,
          });
      const saved = result?.topic ?? {};
      flash = `Topic “${saved.name ?? body.name}” saved.`;
      location.hash = topicHref(saved.id ?? topic?.id ?? newId);
    } catch (error) {
      if (isAbort(error)) return;
      if (error instanceof ApiError && error.field && showFieldError(error.field, error.message)) {
        controls[error.field]?.focus();
      }
      showFormError(describeError(error));
    } finally {
      submit.disabled = false;
    }
  });

  function askToDelete() {
    deleteArea.replaceChildren(
      el(
        'div',
        { class: 'confirm', role: 'group', 'aria-labelledby': 'confirm-delete-text' },
        el(
          'p',
          { id: 'confirm-delete-text' },
          `Delete the topic “${topic.name}”? Its past stories stay until they expire.`,
        ),
        el(
          'button',
          { type: 'button', class: 'danger', onclick: deleteTopic },
          'Delete permanently',
        ),
        el(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () => {
              deleteArea.replaceChildren(deleteButton);
              deleteButton.focus();
            },
          },
          'Keep it',
        ),
      ),
    );
    deleteArea.querySelector('button')?.focus();
  }

  async function deleteTopic() {
    formAlert.replaceChildren();
    try {
      await api(`/topics/${encodeURIComponent(topic.id)}`, {
        method: 'DELETE',
        auth: true,
        signal: view.signal,
      });
      flash = `Topic “${topic.name}” deleted.`;
      location.hash = '#/';
    } catch (error) {
      if (isAbort(error)) return;
      showFormError(describeError(error));
    }
  }

  const deleteButton = el(
    'button',
    { type: 'button', class: 'danger', onclick: askToDelete },
    'Delete topic…',
  );
  if (topic) deleteArea.append(deleteButton);

  append(form, [
    field(
      'id',
      topic ? 'Id' : 'Id (optional)',
      idInput,
      topic
        ? 'The id of a saved topic cannot change.'
        : 'Lower-case letters, digits and dashes; made from the name when left empty.',
    ),
    field('name', 'Name', nameInput),
    field('description', 'Description (optional)', descriptionInput),
    field(
      'query',
      'Query',
      queryInput,
      'Words match by stem; "a phrase", prefix*, AND, OR, NOT or -word, a NEAR/5 b, title:word, (grouping), @alias. Checked as you type.',
    ),
    queryStatus,
    el(
      'div',
      { class: 'field field-inline' },
      el('label', { for: 'field-days' }, 'Preview over the last'),
      Object.assign(daysSelect, { id: 'field-days' }),
    ),
    formAlert,
    el(
      'div',
      { class: 'actions' },
      el('button', { type: 'submit' }, topic ? 'Save changes' : 'Save topic'),
      el('a', { href: topic ? topicHref(topic.id) : '#/' }, 'Cancel'),
    ),
  ]);

  tokenInput.id = 'api-token';
  show(
    heading(topic ? `Edit topic: ${topic.name}` : 'New topic'),
    takeFlash(),
    el(
      'section',
      { class: 'panel token-panel', 'aria-labelledby': 'token-heading' },
      el('h2', { id: 'token-heading' }, 'Authentication'),
      el('label', { for: 'api-token' }, 'API token'),
      el(
        'p',
        { class: 'help', id: 'api-token-help' },
        'Saving, deleting and previewing need the token the runner printed at start (or gave with --token). It is kept for this browser tab only.',
      ),
      // A form of its own so Enter in the field does not submit the topic.
      el(
        'form',
        { class: 'token-row', onsubmit: (event) => event.preventDefault() },
        tokenInput,
        forgetToken,
      ),
    ),
    el(
      'section',
      { class: 'panel', 'aria-labelledby': 'definition-heading' },
      el('h2', { id: 'definition-heading' }, 'Definition'),
      form,
      deleteArea,
    ),
    el(
      'section',
      { class: 'panel', 'aria-labelledby': 'preview-heading' },
      el('h2', { id: 'preview-heading' }, 'What it would have matched'),
      el('div', { 'aria-live': 'polite' }, previewSummary),
      previewList,
    ),
  );
  tokenInput.setAttribute('aria-describedby', 'api-token-help');
  runPreview();
}

// ---------------------------------------------------------------------------------------------
// Start

document.querySelector('.skip-link')?.addEventListener('click', (event) => {
  // The fragment drives the router: move focus without changing it.
  event.preventDefault();
  main.focus();
});

window.addEventListener('hashchange', () => {
  if (location.hash === '' || location.hash.startsWith('#/')) navigate({ focus: true });
});
navigate({ focus: false });
