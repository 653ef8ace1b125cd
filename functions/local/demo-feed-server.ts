/**
 * The demo's feed server: serves the bundled sample feeds (data/demo) from loopback with the
 * headers real outlets send (Content-Type with or without charset, ETag, Last-Modified, gzip),
 * and answers conditional requests with 304, so the demo exercises the real fetch path offline.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { feedIdFor } from '../core/ids';
import type { FeedConfig } from '../core/model';
import * as z from '../core/zod';

export const DEMO_DATA_DIR = join(import.meta.dirname, '../../data/demo');

const manifestSchema = z.array(
  z.object({
    file: z.string().check(z.regex(/^[\w.-]+\.xml$/)),
    name: z.string().check(z.minLength(1)),
    language: z.enum(['en', 'ru', 'fa']),
    contentType: z.string().check(z.minLength(1)),
  }),
);

interface ServedFeed {
  body: Buffer;
  gzipped: Buffer;
  contentType: string;
  etag: string;
  lastModified: string;
}

export interface DemoFeedServer {
  baseUrl: string;
  feeds: FeedConfig[];
  /** Requests answered, by status code: lets tests see the 304s. */
  responses: Map<number, number>;
  close(): Promise<void>;
}

export interface DemoFeedServerOptions {
  /** Folder with feeds.json and feeds/*.xml; the bundled demo by default. */
  dataDir?: string;
  /** Fixed port, so the feed URLs (and ids) stay the same from run to run; 0 picks a free one. */
  port?: number;
}

export async function startDemoFeedServer(
  options: DemoFeedServerOptions = {},
): Promise<DemoFeedServer> {
  const dataDir = options.dataDir ?? DEMO_DATA_DIR;
  const manifest = manifestSchema.parse(
    JSON.parse(readFileSync(join(dataDir, 'feeds.json'), 'utf8')),
  );
  const served = new Map<string, ServedFeed>();
  for (const entry of manifest) {
    const body = readFileSync(join(dataDir, 'feeds', entry.file));
    served.set(`/feeds/${entry.file}`, {
      body,
      gzipped: gzipSync(body),
      contentType: entry.contentType,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`,
      lastModified: new Date('2025-11-20T12:00:00Z').toUTCString(),
    });
  }
  const responses = new Map<number, number>();
  const server: Server = createServer((request, response) => {
    const status = answer(served, request, response);
    responses.set(status, (responses.get(status) ?? 0) + 1);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const feeds = manifest.map((entry) => {
    const url = `${baseUrl}/feeds/${entry.file}`;
    return { id: feedIdFor(url), url, name: entry.name, language: entry.language };
  });
  return {
    baseUrl,
    feeds,
    responses,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(
  served: Map<string, ServedFeed>,
  request: IncomingMessage,
  response: ServerResponse,
): number {
  const feed = served.get(new URL(request.url ?? '/', 'http://demo').pathname);
  if (!feed || request.method !== 'GET') {
    response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    return 404;
  }
  const validators = { ETag: feed.etag, 'Last-Modified': feed.lastModified };
  if (request.headers['if-none-match'] === feed.etag) {
    response.writeHead(304, validators).end();
    return 304;
  }
  const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  response.writeHead(200, {
    ...validators,
    'Content-Type': feed.contentType,
    ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
  });
  response.end(gzip ? feed.gzipped : feed.body);
  return 200;
}
