/**
 * The ports delivery needs: a ledger (one record per audience and story, written before anything
 * is sent), and a publisher that reaches everyone in an audience.
 */
import type { SnsMessage } from '../alerts/alert-message';
import type { Audience } from '../subscriptions/subscription';

export type DeliveryState = 'pending' | 'sent' | 'queued' | 'failed';

/**
 * How long a claim is held for the run that made it. Longer than any run can take between a claim
 * and its outcome (the poll worker's timeout is 2 minutes), so a claim younger than this may be a
 * run still in progress, and one older was left by a run that died.
 */
export const CLAIM_LEASE_MS = 5 * 60_000;

export interface DeliveryLedger {
  /**
   * Claims the delivery of a story to an audience for `claimant` (a conditional put). `claimed`
   * the first time; after that the state left by an earlier run: `pending` (a claim released, or
   * left by a run that died more than CLAIM_LEASE_MS ago: now this claimant's, send it), `sent` or
   * `queued` (done: never again), `failed` (parked with its reason), or `in-progress` (another
   * claimant holds it: a run at the same time, or one that died less than CLAIM_LEASE_MS ago;
   * leave it to that run, and look again next cycle).
   */
  claim(
    audienceId: string,
    storyId: string,
    now: Date,
    claimant: string,
  ): Promise<'claimed' | 'in-progress' | DeliveryState>;
  /**
   * Lets go of a pending claim that `claimant` holds, after its run failed before an outcome was
   * recorded, so that the next run need not wait for the lease. No-op for a claim it does not hold.
   */
  release(audienceId: string, storyId: string, claimant: string): Promise<void>;
  markSent(audienceId: string, storyId: string, now: Date): Promise<void>;
  /** Parks a delivery in the audience's next digest (digest modes, or SMS over its hourly cap). */
  queueForDigest(audienceId: string, storyId: string, reason: string, now: Date): Promise<void>;
  /**
   * Records a failed attempt (the publisher's own retries exhausted) on the pending delivery,
   * releases its claim, and returns how many attempts have failed so far.
   */
  recordAttemptFailure(
    audienceId: string,
    storyId: string,
    reason: string,
    now: Date,
  ): Promise<number>;
  /**
   * Parks a delivery that kept failing: state `failed`, and a dead-letter record with its reason
   * that `deadLetters` lists. It is not retried again.
   */
  markFailed(audienceId: string, storyId: string, reason: string, now: Date): Promise<void>;
  deadLetters(): Promise<{ audienceId: string; storyId: string; reason: string; at: string }[]>;
  /** The stories queued for an audience's digest, oldest first. */
  queuedStories(audienceId: string): Promise<{ storyId: string; queuedAt: string }[]>;
  /** Removes queued stories once a digest that lists them went out. */
  clearQueued(audienceId: string, storyIds: readonly string[]): Promise<void>;
  /**
   * Counts one SMS against the audience's hourly window; false when the cap is reached (the
   * count is a conditional update, so two runs cannot both take the last slot).
   */
  takeSmsSlot(audienceId: string, hour: string, cap: number): Promise<boolean>;
  /** True once per window: whether the "more in your next digest" notice is still owed. */
  claimFloodNotice(audienceId: string, hour: string): Promise<boolean>;
  /** When the audience's last digest went out (ISO), if ever. */
  lastDigestAt(audienceId: string): Promise<string | undefined>;
  recordDigest(audienceId: string, at: Date): Promise<void>;
}

export interface AudienceMessage {
  /** Deterministic: the same audience and story (or digest period) give the same id. */
  id: string;
  audience: Audience;
  message: SnsMessage;
}

/** Sends prebuilt messages to everyone in their audience: SNS topics in AWS, the outbox locally. */
export interface AudiencePublisher {
  publish(messages: readonly AudienceMessage[]): Promise<{
    published: string[];
    failed: { id: string; reason: string }[];
  }>;
}
