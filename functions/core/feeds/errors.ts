/**
 * Typed failures of the feed stage. Each carries a stable `code` that the cycle report, the CLI
 * and the feed's stored `lastError` use; the message is for people.
 */

export type FeedFetchErrorCode =
  | 'BAD_URL'
  | 'TIMEOUT'
  | 'TOO_LARGE'
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
