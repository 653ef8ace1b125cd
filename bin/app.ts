/**
 * The CDK app (cdk.json runs it with tsx): one env-agnostic NewsAlertsStack. The poll schedule
 * comes from context, e.g. `npx cdk synth -c pollSchedule="rate(5 minutes)"`.
 */
import { App } from 'aws-cdk-lib';
import {
  DEFAULT_POLL_SCHEDULE,
  InvalidPollScheduleError,
  NewsAlertsStack,
  parsePollSchedule,
} from '../lib/news-alerts-stack';

const app = new App();

try {
  const pollSchedule = parsePollSchedule(
    app.node.tryGetContext('pollSchedule') ?? DEFAULT_POLL_SCHEDULE,
  );
  new NewsAlertsStack(app, 'NewsAlertsStack', {
    description: 'news-alerts: polls news feeds on the Russia–Iran treaty and publishes alerts',
    pollSchedule,
  });
  app.synth();
} catch (error) {
  // A bad setting gets one readable line, not a stack trace from inside the CDK.
  if (!(error instanceof InvalidPollScheduleError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
