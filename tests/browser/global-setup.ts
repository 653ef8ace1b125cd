/**
 * Starts the real local runner for the browser tests, as a reader would (`npm start -- --demo
 * --port …`): one poll cycle of the offline demo feeds (plus one hostile item, see
 * hostile-feed-item.ts) into a fresh data folder, then the dashboard and its API on a port the
 * system picks. Ready when the runner prints its
 * `dashboard:` line; stopped with SIGTERM after the last test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TestProject } from 'vitest/node';
import { freePort } from '../support/free-port';
import { HOSTILE_FEED_FILE, hostileItemXml } from './hostile-feed-item';
import { REPOSITORY, SCREENSHOT_DIR } from './paths';

declare module 'vitest' {
  export interface ProvidedContext {
    dashboardUrl: string;
    apiToken: string;
  }
}

const API_TOKEN = 'browser-tests-token-0123456789';
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 10_000;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'news-alerts-browser-'));
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  // A demo feed server port of its own, so a runner someone left on the default port is no
  // obstacle; the dashboard port is picked by the system (--port 0) and read from the output.
  const demoPort = await freePort();
  const demoDir = await demoFeedsWithHostileItem(dataDir);
  const runner = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bin/cli.ts',
      'run',
      '--demo',
      '--port',
      '0',
      '--demo-port',
      String(demoPort),
      '--demo-dir',
      demoDir,
      '--token',
      API_TOKEN,
      '--data-dir',
      dataDir,
    ],
    { cwd: REPOSITORY, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stop = async () => {
    await stopProcess(runner);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await dashboardUrl(runner);
    project.provide('dashboardUrl', url);
    project.provide('apiToken', API_TOKEN);
  } catch (error) {
    await stop();
    throw error;
  }
  return stop;
}

/** A copy of the bundled demo feeds (data/demo) with one hostile item added to one feed. */
async function demoFeedsWithHostileItem(dataDir: string): Promise<string> {
  const demoDir = join(dataDir, 'demo-feeds');
  await cp(join(REPOSITORY, 'data/demo'), demoDir, { recursive: true });
  const feed = join(demoDir, HOSTILE_FEED_FILE);
  const xml = await readFile(feed, 'utf8');
  if (!xml.includes('</channel>'))
    throw new Error(`${feed} has no </channel> to add an item before`);
  await writeFile(feed, xml.replace('</channel>', `${hostileItemXml(new Date())}</channel>`));
  return demoDir;
}

/** The URL from the runner's `dashboard: http://…` line; rejects if it exits or stalls first. */
function dashboardUrl(runner: ChildProcess): Promise<string> {
  const output: string[] = [];
  return new Promise<string>((resolve, reject) => {
    const fail = (reason: string) => {
      clearTimeout(timer);
      reject(new Error(`${reason}; its last output:\n${output.slice(-30).join('\n')}`));
    };
    const timer = setTimeout(
      () => fail(`the runner printed no "dashboard:" line in ${READY_TIMEOUT_MS / 1000} s`),
      READY_TIMEOUT_MS,
    );
    runner.once('error', (error) => fail(`the runner could not start (${error.message})`));
    runner.once('exit', (code, signal) =>
      fail(`the runner exited (code ${code}, signal ${signal}) before serving the dashboard`),
    );
    runner.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8').trimEnd()));
    createInterface({ input: runner.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      output.push(line);
      const match = /^dashboard: (http:\/\/\S+?)\/?(?:\s|$)/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        runner.removeAllListeners('exit');
        resolve(`${match[1]}/`);
      }
    });
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
