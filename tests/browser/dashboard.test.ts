/**
 * The dashboard page in Chromium against the real local runner (see global-setup.ts): one demo
 * poll cycle of the eight offline feeds (one with a hostile item added), the default topic pack,
 * the API under /api. Every test
 * fails on a console error, a CSP violation or a request leaving the dashboard's origin.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { callApi, launchBrowser, openPage, screenshot, visit } from './browser';
import { HOSTILE_TITLE } from './hostile-feed-item';
import { REPOSITORY } from './paths';

interface TopicSummary {
  id: string;
  name: string;
  counts: { articles30d: number };
}

interface Story {
  headline: string;
  link: string;
  outlets: string[];
}

const dashboardUrl = inject('dashboardUrl');
const token = inject('apiToken');

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(join(REPOSITORY, path), 'utf8')) as T;
}

/** A UTC day as the chart labels it: "Nov 28". */
function shortDay(day: string | undefined): string {
  return new Intl.DateTimeFormat('en', { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(
    new Date(`${day}T00:00:00Z`),
  );
}

/**
 * The problems a test did not cause on purpose: Chromium logs every 4xx answer to a fetch as a
 * console error, so a test that provokes one names its status.
 */
function unexpected(problems: string[], ...statuses: number[]): string[] {
  return problems.filter(
    (problem) =>
      !statuses.some((status) =>
        problem.includes(`the server responded with a status of ${status}`),
      ),
  );
}

/** Ids of topics a test created, deleted through the API after it so other tests see the pack. */
async function deleteTopic(id: string): Promise<void> {
  await callApi(dashboardUrl, `/topics/${encodeURIComponent(id)}`, { method: 'DELETE', token });
}

/** Presses Tab until a topic link has focus; its href, or undefined after `limit` presses. */
async function tabToTopicLink(page: Page, limit: number): Promise<string | undefined> {
  for (let presses = 0; presses < limit; presses += 1) {
    await page.keyboard.press('Tab');
    const href = await page.evaluate<string | null>(
      `document.activeElement?.closest('.topic-name') ? document.activeElement.getAttribute('href') : null`,
    );
    if (href) return href;
  }
  return undefined;
}

describe('dashboard page', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('lists the twelve default topics with their counts and sparklines', async () => {
    // Prepare
    const pack = await readJson<{ topics: { id: string; name: string }[] }>('data/topic-pack.json');
    const { page, problems } = await openPage(browser, dashboardUrl);

    // Act
    await visit(page, '#/');

    // Assess
    const cards = page.locator('.topic-list > li');
    expect(await cards.count()).toBe(12);
    const names = await page.locator('.topic-name a').allTextContents();
    expect(names.sort()).toEqual(pack.topics.map((topic) => topic.name).sort());
    const hrefs = await page.locator('.topic-name a').evaluateAll(
      // Evaluated in the page: the anchors' href attributes.
      (anchors) => anchors.map((anchor) => anchor.getAttribute('href') ?? ''),
    );
    expect(hrefs.sort()).toEqual(pack.topics.map((topic) => `#/topics/${topic.id}`).sort());
    // The demo cycle just ran: today's bar is up in at least one sparkline, and it is drawn.
    const risenBars = page.locator('svg.sparkline rect.bar:not([data-value="0"])');
    expect(await risenBars.count()).toBeGreaterThan(0);
    expect(Number(await risenBars.first().getAttribute('height'))).toBeGreaterThan(0);
    expect(await page.locator('svg.sparkline').first().getAttribute('aria-label')).toMatch(
      /Articles per day over the last 30 days: \d+ in total/,
    );
    expect(await page.locator('.topic-card .counts').first().textContent()).toMatch(
      /^Last 7 days\d+ articles?, \d+ stor(y|ies)Last 30 days\d+ articles?, \d+ stor(y|ies)$/,
    );
    await screenshot(page, 'topics');
    expect(problems).toEqual([]);
  });

  it('shows a topic with its timeline chart and latest stories, more on request', async () => {
    // Prepare: the topic with most articles, and all its stories straight from the API.
    const { body } = await callApi(dashboardUrl, '/topics');
    const topics = (body as { topics: TopicSummary[] }).topics;
    const topic = [...topics].sort((a, b) => b.counts.articles30d - a.counts.articles30d)[0];
    if (!topic) throw new Error('the demo run produced no topics');
    const all = await callApi(dashboardUrl, `/topics/${topic.id}/stories?limit=50`);
    const stories = (all.body as { stories: Story[] }).stories;
    // The page asks for five at a time; compared with the same request, whatever breaks ties.
    const first = await callApi(dashboardUrl, `/topics/${topic.id}/stories?limit=5`);
    const firstPage = (first.body as { stories: Story[] }).stories;
    const { body: timelineBody } = await callApi(
      dashboardUrl,
      `/topics/${topic.id}/timeline?days=30`,
    );
    const timeline = (timelineBody as { days: { day: string }[] }).days;
    expect(stories.length).toBeGreaterThan(5);
    const { page, problems } = await openPage(browser, dashboardUrl);

    // Act
    await visit(page, `#/topics/${topic.id}`);

    // Assess: the definition and the chart.
    expect(await page.locator('h1').textContent()).toBe(topic.name);
    const chart = page.locator('svg.timeline');
    expect(await chart.getAttribute('aria-label')).toMatch(/articles and \d+ new stor/);
    expect(await chart.locator('rect.bar-articles').count()).toBe(30);
    expect(await chart.locator('rect.bar-articles:not([data-value="0"])').count()).toBeGreaterThan(
      0,
    );
    // Labelled axes: counts from 0 up, days from the first of the timeline to the last.
    const axisLabels = await chart.locator('text.axis-label').allTextContents();
    expect(axisLabels[0]).toBe('0');
    const dayLabels = axisLabels.filter((label) => /^[A-Z][a-z]{2} \d{1,2}$/.test(label));
    expect(dayLabels.length).toBeGreaterThanOrEqual(3);
    expect([dayLabels[0], dayLabels.at(-1)]).toEqual([
      shortDay(timeline[0]?.day),
      shortDay(timeline.at(-1)?.day),
    ]);
    expect(await page.locator('.chart-data tbody tr').count()).toBe(30);

    // Assess: the first page of stories, newest first, each with its outlets.
    const items = page.locator('ol.stories > li');
    expect(await items.count()).toBe(5);
    expect(await items.locator('.headline').allTextContents()).toEqual(
      firstPage.map((story) => story.headline),
    );
    for (const outlets of await items.locator('.outlets').allTextContents()) {
      expect(outlets.trim()).not.toBe('');
    }
    expect(await items.first().locator('.outlets').textContent()).toBe(
      firstPage[0]?.outlets.join(', '),
    );
    await screenshot(page, 'topic');

    // Act: the next pages through the cursor.
    const more = page.getByRole('button', { name: 'Load more stories' });
    while (await more.isVisible()) {
      const before = await items.count();
      await more.click();
      await items.nth(before).waitFor();
    }

    // Assess
    expect(await items.count()).toBe(stories.length);
    expect(await page.locator('ol.stories + [role="status"]').textContent()).toContain(
      'all there are',
    );
    expect(problems).toEqual([]);
  });

  it('lists the eight demo feeds in the feed health table', async () => {
    // Prepare
    const demoFeeds = await readJson<{ name: string }[]>('data/demo/feeds.json');
    const { page, problems } = await openPage(browser, dashboardUrl);

    // Act
    await visit(page, '#/feeds');

    // Assess
    const rows = page.locator('table.feeds tbody tr');
    expect(await rows.count()).toBe(8);
    const names = await rows.locator('th').allTextContents();
    expect(names.sort()).toEqual(demoFeeds.map((feed) => feed.name).sort());
    expect(await page.locator('table.feeds thead th').allTextContents()).toEqual([
      'Name',
      'Language',
      'Status',
      'Last success',
      'Errors',
      'Interval',
      'Next poll',
      'Last error',
    ]);
    // The demo cycle polled every feed without an error.
    for (const status of await rows.locator('.status').allTextContents()) {
      expect(status).toContain('OK');
    }
    expect(await rows.locator('td:nth-child(4) time').count()).toBe(8);
    await screenshot(page, 'feeds');
    expect(problems).toEqual([]);
  });

  it('checks a query as it is typed, previews its matches and saves the topic', async () => {
    // Prepare
    const name = 'Iran and Russia (browser test)';
    const broken = 'Iran AND (Russia';
    const refused = await callApi(dashboardUrl, '/topics/preview', {
      method: 'POST',
      body: { query: broken, days: 3 },
      token,
    });
    const refusal = (refused.body as { error: { message: string; position: number } }).error;
    const preview = await callApi(dashboardUrl, '/topics/preview', {
      method: 'POST',
      body: { query: 'Iran AND Russia', days: 3 },
      token,
    });
    const previewMatches = (preview.body as { matches: { title: string }[] }).matches;
    expect(previewMatches.length).toBeGreaterThan(0);
    const { page, problems } = await openPage(browser, dashboardUrl);
    await visit(page, '#/editor');

    // Act: a syntax error, typed.
    await page.getByLabel('API token').fill(token);
    await page.getByLabel('Name', { exact: true }).fill(name);
    const query = page.getByLabel('Query', { exact: true });
    await query.pressSequentially(broken);

    // Assess: the server's message, and where.
    // Waiting on the server's own message: a check of a half-typed query may answer first.
    const error = page.locator('.query-error[role="alert"]', { hasText: refusal.message });
    await error.waitFor();
    expect(await error.locator('mark.error-at').textContent()).toBe(
      broken.charAt(refusal.position),
    );
    expect(await query.getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'editor-query-error');

    // Act: fixed.
    await query.fill('Iran AND Russia');

    // Assess: the preview lists what the API would have matched.
    const matches = page.locator('.preview-list > li');
    await matches.first().waitFor();
    expect(await matches.locator('.headline').allTextContents()).toEqual(
      previewMatches.map((match) => match.title),
    );
    expect(await page.locator('.query-error').count()).toBe(0);
    expect(await query.getAttribute('aria-invalid')).toBeNull();
    await screenshot(page, 'editor');

    // Act: save.
    await page.getByRole('button', { name: 'Save topic' }).click();
    await page.waitForURL(/#\/topics\/[a-z0-9-]+$/);
    const id = decodeURIComponent(new URL(page.url()).hash.slice('#/topics/'.length));
    try {
      // Assess: the topic page, then the list.
      await page.getByRole('heading', { level: 1, name }).waitFor();
      expect(await page.locator('.flash').textContent()).toContain('saved');
      expect(await page.locator('code.query').textContent()).toBe('Iran AND Russia');
      await visit(page, '#/');
      expect(await page.locator('.topic-name a').allTextContents()).toContain(name);
      expect(await page.locator('.topic-list > li').count()).toBe(13);

      // Act: delete it through the editor.
      await visit(page, `#/editor/${id}`);
      await page.getByRole('button', { name: 'Delete topic…' }).click();
      await page.getByRole('button', { name: 'Delete permanently' }).click();

      // Assess
      await page.locator('.flash', { hasText: 'deleted' }).waitFor();
      expect(await page.locator('.topic-name a').allTextContents()).not.toContain(name);
      expect((await callApi(dashboardUrl, `/topics/${id}`)).status).toBe(404);
    } finally {
      await deleteTopic(id);
    }
    // The syntax error came back as a 400, which Chromium logs.
    expect(unexpected(problems, 400)).toEqual([]);
  });

  it('shows the 401 and 403 answers to a save without or with a wrong token', async () => {
    // Prepare
    const { page, problems } = await openPage(browser, dashboardUrl);
    await visit(page, '#/editor');
    await page.getByLabel('Name', { exact: true }).fill('Never saved');
    await page.getByLabel('Query', { exact: true }).fill('Iran AND Russia');

    // Act: no token.
    await page.getByRole('button', { name: 'Save topic' }).click();

    // Assess
    const alert = page.locator('.form-alert [role="alert"]');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Not signed in (401)');

    // Act: a wrong one.
    await page.getByLabel('API token').fill('not-the-token-0123456789');
    await page.getByRole('button', { name: 'Save topic' }).click();

    // Assess
    await page.locator('.form-alert [role="alert"]', { hasText: '403' }).waitFor();
    expect(await alert.textContent()).toContain('The API token was refused (403 forbidden)');
    expect(page.url()).toMatch(/#\/editor$/);
    const { body } = await callApi(dashboardUrl, '/topics');
    const names = (body as { topics: TopicSummary[] }).topics.map((topic) => topic.name);
    expect(names).not.toContain('Never saved');
    expect(unexpected(problems, 401, 403)).toEqual([]);
  });

  it('renders a hostile topic name as text on the list, the topic page and the editor', async () => {
    // Prepare
    const name = '<img src=x onerror="window.__pwned=1">';
    const created = await callApi(dashboardUrl, '/topics', {
      method: 'POST',
      body: { id: 'hostile-name', name, description: '<b>bold?</b>', query: 'Iran AND Russia' },
      token,
    });
    expect(created.status).toBe(201);
    try {
      const { page, problems } = await openPage(browser, dashboardUrl);

      // Act
      await visit(page, '#/');

      // Assess
      const card = page.locator('li[data-topic-id="hostile-name"]');
      expect(await card.locator('.topic-name').textContent()).toBe(name);
      expect(await card.locator('.description').textContent()).toBe('<b>bold?</b>');
      expect(await card.locator('img, b').count()).toBe(0);

      // Act: follow its link, then open the editor.
      await card.getByRole('link').click();
      await page.getByRole('heading', { level: 1, name }).waitFor();
      expect(await page.locator('main img').count()).toBe(0);
      await visit(page, '#/editor/hostile-name');

      // Assess
      expect(await page.locator('h1').textContent()).toBe(`Edit topic: ${name}`);
      expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe(name);
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
      expect(problems).toEqual([]);
    } finally {
      await deleteTopic('hostile-name');
    }
  });

  it('renders a hostile feed item as text, without its javascript: link', async () => {
    // Prepare: the item global-setup added to the demo's Tehran Times feed, and the page that lists
    // it; the API must have kept the markup as text for this test to mean anything.
    const { body } = await callApi(dashboardUrl, '/topics/caspian-environment/stories?limit=50');
    const fromApi = (body as { stories: Story[] }).stories.find(
      (story) => story.headline === HOSTILE_TITLE,
    );
    expect(fromApi).toMatchObject({ link: '' });
    const { page, problems } = await openPage(browser, dashboardUrl);

    // Act
    await visit(page, '#/topics/caspian-environment');
    const more = page.getByRole('button', { name: 'Load more stories' });
    while (await more.isVisible()) {
      const before = await page.locator('ol.stories > li').count();
      await more.click();
      await page.locator('ol.stories > li').nth(before).waitFor();
    }

    // Assess
    const story = page.locator('ol.stories > li', { hasText: 'sturgeon hatchery' });
    expect(await story.locator('.headline').textContent()).toBe(HOSTILE_TITLE);
    expect(await story.locator('.snippet').textContent()).toContain(
      '<script>window.__pwned=3</script>',
    );
    expect(await story.locator('a, img, script').count()).toBe(0);
    expect(await page.locator('main img, main script').count()).toBe(0);
    // Every link on the page is http(s) or one of the page's own routes.
    const hrefs = await page
      .locator('main a[href]')
      .evaluateAll((anchors) => anchors.map((anchor) => anchor.getAttribute('href') ?? ''));
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(href).toMatch(/^(https?:\/\/|#\/)/);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(problems).toEqual([]);
  });

  it('opens a topic from the keyboard: Tab to its link, Enter', async () => {
    // Prepare
    const { page, problems } = await openPage(browser, dashboardUrl);
    await visit(page, '#/');

    // Act
    const href = await tabToTopicLink(page, 15);
    if (!href) throw new Error('no topic link took focus within 15 Tab presses');
    const focusOutline = await page.evaluate<string>(
      'getComputedStyle(document.activeElement).outlineStyle',
    );
    const linkText = await page.evaluate<string>('document.activeElement.textContent');
    await page.keyboard.press('Enter');

    // Assess: the topic page, with focus on its heading for the next Tab.
    await page.waitForURL((url) => url.hash === href);
    await page.getByRole('heading', { level: 1, name: linkText }).waitFor();
    await expect.poll(() => page.evaluate('document.activeElement.tagName')).toBe('H1');
    expect(focusOutline).not.toBe('none');
    expect(problems).toEqual([]);
  });
});
