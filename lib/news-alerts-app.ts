/**
 * The whole of news-alerts in one call: the stateful stack, the stateless stack that receives its
 * tables and topic, and the cdk-nag rule packs that fail synthesis on any finding nobody has
 * acknowledged. bin/app.ts and tests/infra build the app through here, so they check the same app.
 */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { NewsAlertsStatefulStack } from './news-alerts-stateful-stack';
import { NewsAlertsStatelessStack } from './news-alerts-stateless-stack';

export interface NewsAlertsAppOptions {
  /** @default rate(15 minutes) */
  readonly pollSchedule?: string;
}

export interface NewsAlertsStacks {
  readonly stateful: NewsAlertsStatefulStack;
  readonly stateless: NewsAlertsStatelessStack;
}

export function addNewsAlertsStacks(
  app: App,
  options: NewsAlertsAppOptions = {},
): NewsAlertsStacks {
  const stateful = new NewsAlertsStatefulStack(app, 'NewsAlertsStatefulStack', {
    description: 'news-alerts data: the DynamoDB tables and the operator topic',
    // Termination protection too: deleting this stack is never part of a normal change.
    terminationProtection: true,
  });
  const stateless = new NewsAlertsStatelessStack(app, 'NewsAlertsStatelessStack', {
    description:
      'news-alerts code: polls news feeds on the Russia–Iran treaty and publishes alerts',
    tables: stateful.tables,
    operatorTopic: stateful.operatorTopic,
    ...(options.pollSchedule === undefined ? {} : { pollSchedule: options.pollSchedule }),
  });
  return { stateful, stateless };
}

/** The cdk-nag packs news-alerts is held to; any unacknowledged finding fails `cdk synth`. */
export function complianceChecks(app: App): [AwsSolutionsChecks, ServerlessChecks] {
  return [
    new AwsSolutionsChecks(app, { verbose: true }),
    new ServerlessChecks(app, { verbose: true }),
  ];
}

export function addComplianceChecks(app: App): void {
  Validations.of(app).addPlugins(...complianceChecks(app));
}
