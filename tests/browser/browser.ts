/**
 * What the dashboard's browser tests share: Debian's Chromium driven by playwright-core (nothing
 * downloaded), pages that record every console error, page error, CSP violation and request that
 * would leave the dashboard's origin, and direct calls to the API the page is built on.
 */
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { onTestFinished } from 'vitest';
import { SCREENSHOT_DIR } from './paths';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Runs in every document before the page's own scripts (through CDP, so the CSP allows it). */
const REPORT_CSP_VIOLATIONS = `window.addEventListener('securitypolicyviolation', (event) => {
  window.__reportCspViolation(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline'));
});`;

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors, page errors, CSP violations and off-origin requests seen so far. */
  problems: string[];
}

/**
 * A fresh browser context (its own sessionStorage) with one page on the dashboard, closed when
 * the test ends. Requests to anywhere but the dashboard are refused and recorded.
 */
export async function openPage(
  browser: Browser,
  dashboardUrl: string,
  viewport = { width: 1280, height: 900 },
): Promise<WatchedPage> {
  const context = await browser.newContext({ baseURL: dashboardUrl, viewport });
  onTestFinished(() => context.close());
  const problems: string[] = [];
  const origin = new URL(dashboardUrl).origin;
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    problems.push(`request outside the dashboard: ${url}`);
    return route.abort('blockedbyclient');
  });
  await context.exposeBinding('__reportCspViolation', (_source, text: unknown) => {
    problems.push(`CSP violation: ${String(text)}`);
  });
  await context.addInitScript({ content: REPORT_CSP_VIOLATIONS });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { page, context, problems };
}

/** Opens a route (`#/feeds`) and waits until its view has rendered its heading. */
export async function visit(page: Page, hash: string): Promise<void> {
  await page.goto(`/${hash}`);
  await page.locator('main:not([aria-busy]) h1').waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

/** One call to the dashboard API, as the page makes it. */
export async function callApi(
  dashboardUrl: string,
  path: string,
  options: { method?: string; body?: unknown; token?: string } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const response = await fetch(new URL(`api${path}`, dashboardUrl), {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}
