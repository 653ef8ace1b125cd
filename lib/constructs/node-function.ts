/**
 * NodeFunction: the one Lambda construct of news-alerts. It carries the team defaults (Node 24 on
 * arm64, an ESM bundle built by the local esbuild, source maps, a log group with retention) and
 * the `bind*` methods that wire a resource in with its env var and its least grant together, so
 * no function can get a table name without the permission to use it, or the reverse.
 */
import path from 'node:path';
import { type Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, type FunctionOptions, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ITopic, TopicGrants } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

/** The repository root: bundling runs here, next to package-lock.json and tsconfig.json. */
const REPO_ROOT = path.join(import.meta.dirname, '..', '..');
const HANDLERS_DIR = path.join(REPO_ROOT, 'functions', 'handlers');

/** Every function of the app reports as the same Powertools service. */
const SERVICE_NAME = 'news-alerts';

/**
 * Some bundled CommonJS dependencies call `require` (for Node built-ins); an ESM bundle has no
 * `require`, so the bundle defines one. The alias keeps clear of any `createRequire` in the code.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __newsAlertsCreateRequire } from 'node:module';" +
  'const require = __newsAlertsCreateRequire(import.meta.url);';

export interface NodeFunctionProps
  extends Pick<
    FunctionOptions,
    'description' | 'environment' | 'reservedConcurrentExecutions' | 'retryAttempts' | 'maxEventAge'
  > {
  /** File under functions/handlers that exports `handler`, e.g. `poll.ts`. */
  readonly handlerFile: string;
  /** Required so every function states how long it may run, instead of inheriting 3 seconds. */
  readonly timeout: Duration;
  /** Required for the same reason; memory also buys CPU. */
  readonly memorySize: number;
}

export type TableAccess = 'read' | 'readWrite';

export interface TableBinding {
  readonly table: ITableV2;
  /** The env var the handler reads the table name from. */
  readonly envVar: string;
  readonly access: TableAccess;
}

export interface TopicBinding {
  readonly topic: ITopic;
  /** The env var the handler reads the topic ARN from. */
  readonly envVar: string;
}

export class NodeFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    const { handlerFile, environment, ...options } = props;
    // Created before super() so it can be passed in; its scope is the parent, hence the id prefix.
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: RetentionDays.ONE_MONTH,
      // The logs live and die with their function; the tables hold the data worth keeping.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      ...options,
      entry: path.join(HANDLERS_DIR, handlerFile),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        ...environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        banner: ESM_REQUIRE_BANNER,
        // Bundle the SDK too: the code runs against the SDK version it was tested with, not the
        // one the runtime happens to ship, and ESM tree-shaking keeps the bundle small.
        bundleAwsSDK: true,
        // esbuild is a devDependency; synth must never need Docker.
        forceDockerBundling: false,
      },
    });
  }

  /** Passes the table name in `envVar` and grants exactly `access` on the table and its indexes. */
  bindTable({ table, envVar, access }: TableBinding): void {
    this.addEnvironment(envVar, table.tableName);
    if (access === 'read') {
      table.grants.readData(this);
    } else {
      table.grants.readWriteData(this);
    }
  }

  /** Passes the topic ARN in `envVar` and grants sns:Publish on that topic only. */
  bindTopicForPublish({ topic, envVar }: TopicBinding): void {
    this.addEnvironment(envVar, topic.topicArn);
    TopicGrants.fromTopic(topic).publish(this);
  }

  /**
   * Lets the function publish to the audience topics (created at run time, one per audience,
   * named `<prefix>-aud-…`) and tells it the prefix. The topics are encrypted with the
   * AWS-managed SNS key, whose use SNS makes on the caller's behalf.
   */
  bindAudienceTopics({ prefix, envVar }: { prefix: string; envVar: string }): void {
    this.addEnvironment(envVar, prefix);
    const stack = Stack.of(this);
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['sns:Publish'],
        resources: [stack.formatArn({ service: 'sns', resource: `${prefix}-aud-*` })],
      }),
    );
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: [stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
        conditions: {
          StringEquals: { 'kms:ViaService': `sns.${stack.region}.amazonaws.com` },
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/aws/sns' },
        },
      }),
    );
  }
}
