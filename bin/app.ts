/**
 * The CDK app (cdk.json runs it with tsx): the env-agnostic NewsAlertsStatefulStack and
 * NewsAlertsStatelessStack, checked by cdk-nag. The poll schedule comes from context, e.g.
 * `npx cdk synth -c pollSchedule="rate(5 minutes)"`.
 */
import { App } from 'aws-cdk-lib';
import {
  addComplianceChecks,
  addNewsAlertsStacks,
  DEFAULT_POLL_SCHEDULE,
  InvalidPollScheduleError,
  parsePollSchedule,
} from '../lib/news-alerts-stack';

const app = new App();

try {
  const pollSchedule = parsePollSchedule(
    app.node.tryGetContext('pollSchedule') ?? DEFAULT_POLL_SCHEDULE,
  );
  addNewsAlertsStacks(app, { pollSchedule });
  addComplianceChecks(app);
  app.synth();
} catch (error) {
  // A bad setting gets one readable line, not a stack trace from inside the CDK.
  if (!(error instanceof InvalidPollScheduleError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
