/**
 * The dashboard API's requests and responses, free of any server: the Lambda handler (API
 * Gateway HTTP API events) and the local server (node:http) both translate to and from these.
 */

/** Whether the caller proved who they are, as the server in front of the API decided. */
export type Authentication = 'ok' | 'missing' | 'invalid';

export interface ApiRequest {
  method: string;
  /** The path under the API, starting with `/api/`, percent-decoding left to the router. */
  path: string;
  query: Readonly<Record<string, string | undefined>>;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | undefined>>;
  body?: string;
  auth: Authentication;
}

export interface ApiResponse {
  status: number;
  /** JSON body; absent for 204. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** Sent with every API answer: JSON that no browser sniffs, caches or frames. */
export const API_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/**
 * The dashboard page's Content-Security-Policy (sent by the local server and by CloudFront): its
 * own scripts, styles and API only, no inline code, no framing.
 */
export const DASHBOARD_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Largest request body the API reads (a topic query is at most 20,000 characters). */
export const MAX_BODY_BYTES = 64 * 1024;

/** A request the API refuses, with the status, a stable code and what is wrong. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { field?: string; position?: number } = {},
  ) {
    super(message);
  }

  toResponse(): ApiResponse {
    return {
      status: this.status,
      body: { error: { code: this.code, message: this.message, ...this.details } },
    };
  }
}

export const badRequest = (field: string, message: string, position?: number): ApiError =>
  new ApiError(400, 'invalid', `${field}: ${message}`, {
    field,
    ...(position !== undefined && { position }),
  });

export const notFound = (what: string): ApiError => new ApiError(404, 'not_found', `no ${what}`);
