/**
 * Typed failures of the feed stage. Each carries a stable `code` that the cycle report, the CLI
 * and the feed's stored `lastError` use; the message is for people.
 */

export type FeedFetchErrorCode =
  /** Not a URL at all. */
  | 'BAD_URL'
  /** A scheme other than http or https (file:, ftp:, gopher:, data:, javascript:, …). */
  | 'UNSUPPORTED_SCHEME'
  /** A user name or password in the URL: feeds are fetched without credentials. */
  | 'CREDENTIALS_IN_URL'
  /** An address outside global unicast (loopback, private, link-local, metadata, …). */
  | 'BLOCKED_ADDRESS'
  /** A redirect from HTTPS down to plain HTTP. */
  | 'INSECURE_REDIRECT'
  | 'TIMEOUT'
  | 'TOO_LARGE'
  /** More redirects than allowed, or a redirect back to a URL already visited. */
  | 'TOO_MANY_REDIRECTS'
  | 'HTTP_STATUS'
  | 'NETWORK'
  | 'BAD_ENCODING';

export class FeedFetchError extends Error {
  override readonly name = 'FeedFetchError';
  constructor(
    readonly code: FeedFetchErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number; retryAfter?: string },
  ) {
    super(message, options);
    this.status = options?.status;
    this.retryAfter = options?.retryAfter;
  }
  readonly status: number | undefined;
  readonly retryAfter: string | undefined;
}

export type FeedParseErrorCode = 'EMPTY' | 'NOT_A_FEED' | 'MALFORMED';

export class FeedParseError extends Error {
  override readonly name = 'FeedParseError';
  constructor(
    readonly code: FeedParseErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One line naming what went wrong, for logs, the CLI and the feed's stored state. */
export function describeFeedError(error: unknown): string {
  if (error instanceof FeedFetchError || error instanceof FeedParseError) {
    return `${error.code}: ${error.message}`;
  }
  return `UNEXPECTED: ${error instanceof Error ? error.message : String(error)}`;
}
