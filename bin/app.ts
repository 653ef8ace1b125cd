/**
 * The CDK app (cdk.json runs it with tsx): the env-agnostic NewsAlertsStatefulStack and
 * NewsAlertsStatelessStack, checked by cdk-nag. The settings come from config/default.json (or
 * `-c configFile=<path>`), each overridable by context, e.g.
 * `npx cdk synth -c pollSchedule="rate(5 minutes)" -c retentionDays=45`; see lib/deployment-config.ts.
 */
import { App } from 'aws-cdk-lib';
import {
  addComplianceChecks,
  addNewsAlertsStacks,
  InvalidDeploymentConfigError,
  InvalidPollScheduleError,
} from '../lib/news-alerts-stack';

const app = new App();

try {
  addNewsAlertsStacks(app);
  addComplianceChecks(app);
  app.synth();
} catch (error) {
  // A bad setting gets one readable line, not a stack trace from inside the CDK.
  if (
    !(error instanceof InvalidDeploymentConfigError || error instanceof InvalidPollScheduleError)
  ) {
    throw error;
  }
  console.error(error.message);
  process.exitCode = 1;
}
