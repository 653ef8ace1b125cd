/**
 * The whole of news-alerts in one call: the stateful stack, the stateless stack that receives its
 * tables and topic, and the cdk-nag rule packs that fail synthesis on any finding nobody has
 * acknowledged. bin/app.ts and tests/infra build the app through here, so they check the same app,
 * configured the same way (lib/deployment-config.ts: config/default.json and context overrides).
 */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { type DeploymentConfig, loadDeploymentConfig } from './deployment-config';
import { NewsAlertsStatefulStack } from './news-alerts-stateful-stack';
import { NewsAlertsStatelessStack } from './news-alerts-stateless-stack';

export interface NewsAlertsAppOptions {
  /**
   * The deployment settings.
   * @default read from the app's context and the config file it names (loadDeploymentConfig)
   */
  readonly config?: DeploymentConfig;
  /**
   * Overrides `config.pollSchedule`; checked by the stateless stack.
   * @default the config's
   */
  readonly pollSchedule?: string;
}

export interface NewsAlertsStacks {
  readonly config: DeploymentConfig;
  readonly stateful: NewsAlertsStatefulStack;
  readonly stateless: NewsAlertsStatelessStack;
}

export function addNewsAlertsStacks(
  app: App,
  options: NewsAlertsAppOptions = {},
): NewsAlertsStacks {
  // First: a bad setting fails before any construct exists, let alone a bundle.
  const config = options.config ?? loadDeploymentConfig(app.node);
  const stateful = new NewsAlertsStatefulStack(app, 'NewsAlertsStatefulStack', {
    description: 'news-alerts data: the DynamoDB tables and the operator topic',
    // Termination protection too: deleting this stack is never part of a normal change.
    terminationProtection: true,
    ...(config.operatorEmail === undefined ? {} : { operatorEmail: config.operatorEmail }),
  });
  const stateless = new NewsAlertsStatelessStack(app, 'NewsAlertsStatelessStack', {
    description:
      'news-alerts code: polls news feeds on the Russia–Iran treaty and publishes alerts',
    tables: stateful.tables,
    operatorTopic: stateful.operatorTopic,
    pollSchedule: options.pollSchedule ?? config.pollSchedule,
    retentionDays: config.retentionDays,
    feedList: { path: config.feedListPath, feeds: config.feeds },
    defaultSubscriptions: config.defaultSubscriptions,
    smsMonthlySpendLimitUsd: config.smsMonthlySpendLimitUsd,
  });
  return { config, stateful, stateless };
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
