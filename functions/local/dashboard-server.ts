/**
 * The local dashboard server behind `npm start -- --port N`: the web page (web/) at `/` and the
 * dashboard API under `/api`, through the same API core as the Lambda handler. Writes need
 * `Authorization: Bearer <token>` (the token the runner prints); the page is sent with the same
 * Content-Security-Policy as CloudFront sends in AWS.
 */
import { timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import {
  API_RESPONSE_HEADERS,
  type ApiRequest,
  type ApiResponse,
  type Authentication,
  DASHBOARD_CONTENT_SECURITY_POLICY,
  MAX_BODY_BYTES,
} from '../core/api/http';

export const DEFAULT_WEB_DIR = join(import.meta.dirname, '../../web');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': DASHBOARD_CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

export interface DashboardServerOptions {
  api: (request: ApiRequest) => Promise<ApiResponse>;
  /** The bearer token writes need. */
  token: string;
  port: number;
  host?: string;
  webDir?: string;
  /** Where request failures are reported. */
  onError?: (error: unknown) => void;
}

export interface DashboardServer {
  url: string;
  close(): Promise<void>;
}

export async function startDashboardServer(
  options: DashboardServerOptions,
): Promise<DashboardServer> {
  const webDir = resolve(options.webDir ?? DEFAULT_WEB_DIR);
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const work =
      url.pathname === '/api' || url.pathname.startsWith('/api/')
        ? serveApi(request, response, url, options)
        : serveFile(request, response, url, webDir);
    work.catch((error: unknown) => {
      options.onError?.(error);
      if (!response.headersSent) {
        send(response, 500, API_RESPONSE_HEADERS, {
          error: { code: 'internal', message: 'the request failed' },
        });
      } else response.destroy();
    });
  });
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.host ?? '127.0.0.1', () => ready());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}/`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

function send(
  response: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  body?: unknown,
): void {
  response.writeHead(status, headers);
  response.end(body === undefined ? undefined : JSON.stringify(body));
}

function authenticate(header: string | undefined, token: string): Authentication {
  if (!header) return 'missing';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) return 'invalid';
  const given = Buffer.from(match[1]);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'ok' : 'invalid';
}

/** The request body, or undefined when it is larger than the API reads. */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function serveApi(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  options: DashboardServerOptions,
): Promise<void> {
  const body = await readBody(request);
  if (body === undefined) {
    send(
      response,
      413,
      { ...API_RESPONSE_HEADERS, Connection: 'close' },
      {
        error: { code: 'too_large', message: `the body is over ${MAX_BODY_BYTES / 1024} KB` },
      },
    );
    return;
  }
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const answer = await options.api({
    method: request.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body: body === '' ? undefined : body,
    auth: authenticate(headers.authorization, options.token),
  });
  send(response, answer.status, { ...API_RESPONSE_HEADERS, ...answer.headers }, answer.body);
}

async function serveFile(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  webDir: string,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { Allow: 'GET, HEAD', ...PAGE_HEADERS }).end();
    return;
  }
  let relative: string;
  try {
    relative = decodeURIComponent(url.pathname);
  } catch {
    response.writeHead(400, PAGE_HEADERS).end();
    return;
  }
  if (relative.endsWith('/')) relative += 'index.html';
  const file = resolve(webDir, `.${relative}`);
  // Nothing outside web/ is served, whatever the path says.
  const inside = file.startsWith(webDir + sep);
  const found = inside ? await stat(file).catch(() => undefined) : undefined;
  if (!found?.isFile()) {
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...PAGE_HEADERS });
    response.end('not found');
    return;
  }
  const content = await readFile(file);
  response.writeHead(200, {
    'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'Cache-Control': 'no-cache',
    ...PAGE_HEADERS,
  });
  response.end(request.method === 'HEAD' ? undefined : content);
}
