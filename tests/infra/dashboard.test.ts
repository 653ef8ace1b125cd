/**
 * The dashboard in the stateless stack: the HTTP API (routes and who may call them, the exact
 * grants of its function, access logs and throttling) and the site (a private bucket behind
 * CloudFront with an origin access control, `/api/*` sent uncached to the API, the strict
 * security headers), with no cdk-nag finding left unacknowledged. One app, synthesized once.
 */
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TableNames } from '../../functions/adapters/dynamodb/tables';
import {
  addNewsAlertsStacks,
  complianceChecks,
  type NewsAlertsStatefulStack,
  type NewsAlertsStatelessStack,
} from '../../lib/news-alerts-stack';
import { cdkAppContext, followStatefulOutputs } from '../support/cdk';

interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** docs/api.md: the open reads, and the routes that need a SigV4 signature. */
const OPEN_ROUTES = [
  'GET /api/topics',
  'GET /api/topics/{id}',
  'GET /api/topics/{id}/timeline',
  'GET /api/topics/{id}/stories',
  'GET /api/feeds',
];
const SIGNED_ROUTES = [
  'POST /api/topics',
  'PUT /api/topics/{id}',
  'DELETE /api/topics/{id}',
  'POST /api/topics/preview',
  'GET /api/subscriptions',
  'POST /api/subscriptions',
  'DELETE /api/subscriptions/{endpoint}',
];

const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const BLOCK_ALL_PUBLIC_ACCESS = {
  BlockPublicAcls: true,
  BlockPublicPolicy: true,
  IgnorePublicAcls: true,
  RestrictPublicBuckets: true,
};

/** CloudFront's managed policies, by their fixed ids. */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

describe('dashboard', () => {
  let app: App;
  let stateful: NewsAlertsStatefulStack;
  let stack: NewsAlertsStatelessStack;
  let statefulTemplate: Template;
  let template: Template;

  /** Replaces every cross-stack reference in `value` with what the stateful stack outputs. */
  const fromStateful = (value: unknown): unknown =>
    followStatefulOutputs(stateful, statefulTemplate)(value);
  const logicalId = (construct: IConstruct): string =>
    Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
  const resourceOf = (construct: IConstruct) => {
    const resource = template.toJSON().Resources[logicalId(construct)];
    if (!resource) throw new Error(`no resource for ${construct.node.path}`);
    return resource as { Type: string; Properties: Record<string, unknown> };
  };
  const tableArn = (name: keyof TableNames): unknown =>
    stateful.resolve(stateful.tables[name].tableArn);
  const indexArn = (name: keyof TableNames, index: string): unknown => ({
    'Fn::Join': ['', [tableArn(name), `/index/${index}`]],
  });

  /** Every Allow of the API function's role as `action on resource`, however CDK merged them. */
  const apiGrants = (): string[] => {
    const role = stack.resolve(stack.dashboardApi.handler.role?.roleName);
    return Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) =>
        (policy.Properties.Roles as unknown[]).some(
          (attached) => JSON.stringify(attached) === JSON.stringify(role),
        ),
      )
      .flatMap((policy) => fromStateful(policy.Properties.PolicyDocument.Statement) as [])
      .flatMap((statement: PolicyStatement) => {
        expect(statement.Effect).toBe('Allow');
        expect(statement.Condition).toBeUndefined();
        return asArray(statement.Action).flatMap((action) =>
          asArray(statement.Resource).map((resource) => grant(action, resource)),
        );
      })
      .toSorted();
  };
  const grant = (action: string, resource: unknown): string =>
    `${action} on ${JSON.stringify(resource)}`;
  const grantsOn = (resource: unknown, actions: string[]): string[] =>
    actions.map((action) => grant(action, resource));

  beforeAll(() => {
    // Synthesized once: this bundles the handlers with the local esbuild and stages web/.
    app = new App({ context: cdkAppContext() });
    ({ stateful, stateless: stack } = addNewsAlertsStacks(app));
    statefulTemplate = Template.fromStack(stateful);
    template = Template.fromStack(stack);
  });

  describe('API', () => {
    const routes = () =>
      Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
        (route) => route.Properties as { RouteKey: string; AuthorizationType: string },
      );

    it.each(OPEN_ROUTES)('lets anyone call %s', (routeKey) => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        ApiId: stack.resolve(stack.dashboardApi.httpApi.apiId),
        RouteKey: routeKey,
        AuthorizationType: 'NONE',
      });
    });

    it.each(SIGNED_ROUTES)('needs a SigV4-signed request for %s', (routeKey) => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        ApiId: stack.resolve(stack.dashboardApi.httpApi.apiId),
        RouteKey: routeKey,
        AuthorizationType: 'AWS_IAM',
      });
    });

    it('routes nothing else: no $default route, no ANY method', () => {
      const routeKeys = routes().map((route) => route.RouteKey);

      expect(routeKeys.toSorted()).toEqual([...OPEN_ROUTES, ...SIGNED_ROUTES].toSorted());
      expect(routeKeys).not.toContain('$default');
      expect(routeKeys.filter((key) => key.startsWith('ANY '))).toEqual([]);
    });

    it('sends every route to the API function through one Lambda proxy integration', () => {
      const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
      const [integrationId, integration] = Object.entries(integrations)[0] ?? [];

      expect(Object.keys(integrations)).toHaveLength(1);
      expect(integration?.Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: stack.resolve(stack.dashboardApi.handler.functionArn),
        PayloadFormatVersion: '2.0',
      });
      for (const route of routes() as { Target?: unknown }[]) {
        expect(route.Target).toEqual({
          'Fn::Join': ['', ['integrations/', { Ref: integrationId }]],
        });
      }
    });

    it('runs the api.ts handler within the 29 s integration timeout, with 1 GB', () => {
      const { Properties } = resourceOf(stack.dashboardApi.handler);

      expect(Properties).toMatchObject({ Runtime: 'nodejs24.x', MemorySize: 1024 });
      expect(Properties.Timeout).toBeLessThanOrEqual(29);
      expect(stack.dashboardApi.handler.node.path).toContain('DashboardApi');
    });

    it('reads the tables, the audience prefix and the retention from its env vars', () => {
      const name = (table: keyof TableNames) => stateful.resolve(stateful.tables[table].tableName);

      expect(fromStateful(resourceOf(stack.dashboardApi.handler).Properties.Environment)).toEqual({
        Variables: {
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'news-alerts',
          TOPICS_TABLE: name('topics'),
          STORIES_TABLE: name('stories'),
          FEEDS_TABLE: name('feeds'),
          ARTICLES_TABLE: name('articles'),
          SUBSCRIPTIONS_TABLE: name('subscriptions'),
          AUDIENCE_TOPIC_PREFIX: 'news-alerts',
          RETENTION_DAYS: '30',
        },
      });
    });

    it('may do exactly what docs/api.md needs, on exact tables and indexes', () => {
      const audienceTopics = {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':sns:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':news-alerts-aud-*',
          ],
        ],
      };

      expect(apiGrants()).toEqual(
        [
          ...grantsOn('*', ['xray:PutTelemetryRecords', 'xray:PutTraceSegments']),
          ...grantsOn(tableArn('topics'), [
            'dynamodb:Query',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:DeleteItem',
          ]),
          ...grantsOn(tableArn('stories'), [
            'dynamodb:Query',
            'dynamodb:GetItem',
            'dynamodb:BatchGetItem',
          ]),
          ...grantsOn(indexArn('feeds', 'due'), ['dynamodb:Query']),
          ...grantsOn(indexArn('articles', 'byDay'), ['dynamodb:Query']),
          ...grantsOn(tableArn('subscriptions'), [
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:DeleteItem',
            'dynamodb:Query',
          ]),
          ...grantsOn(audienceTopics, [
            'sns:CreateTopic',
            'sns:TagResource',
            'sns:Subscribe',
            'sns:Unsubscribe',
          ]),
        ].toSorted(),
      );
    });

    it('lets API Gateway invoke the function for this API only', () => {
      const permissions = Object.values(template.findResources('AWS::Lambda::Permission'))
        .map((permission) => permission.Properties)
        .filter(
          (properties) =>
            JSON.stringify(properties.FunctionName) ===
            JSON.stringify(stack.resolve(stack.dashboardApi.handler.functionArn)),
        );

      expect(permissions.length).toBeGreaterThan(0);
      for (const permission of permissions) {
        expect(permission).toMatchObject({
          Action: 'lambda:InvokeFunction',
          Principal: 'apigateway.amazonaws.com',
        });
        expect(JSON.stringify(permission.SourceArn)).toContain(
          JSON.stringify(stack.resolve(stack.dashboardApi.httpApi.apiId)),
        );
      }
    });

    it('serves the $default stage, throttled, logging each request as JSON without its path', () => {
      const stage = resourceOf(stack.dashboardApi.stage).Properties as {
        AccessLogSettings: { DestinationArn: unknown; Format: string };
      };

      expect(stage).toMatchObject({
        ApiId: stack.resolve(stack.dashboardApi.httpApi.apiId),
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      });
      expect(stage.AccessLogSettings.DestinationArn).toEqual(
        stack.resolve(stack.dashboardApi.accessLogGroup.logGroupArn),
      );
      const format = JSON.parse(stage.AccessLogSettings.Format) as Record<string, string>;
      expect(format).toMatchObject({
        requestId: '$context.requestId',
        routeKey: '$context.routeKey',
        status: '$context.status',
      });
      // A subscription's path holds an email address or a phone number.
      expect(Object.values(format)).not.toContain('$context.path');
      expect(template.findResources('AWS::ApiGatewayV2::Stage')).toEqual({
        [logicalId(stack.dashboardApi.stage)]: expect.anything(),
      });
    });

    it('keeps the access logs for one month', () => {
      expect(resourceOf(stack.dashboardApi.accessLogGroup).Properties.RetentionInDays).toBe(30);
    });
  });

  describe('site', () => {
    const distribution = () =>
      resourceOf(stack.dashboardSite.distribution).Properties.DistributionConfig as {
        DefaultRootObject: string;
        DefaultCacheBehavior: Record<string, unknown>;
        CacheBehaviors: Record<string, unknown>[];
        Origins: {
          Id: string;
          DomainName: unknown;
          OriginAccessControlId?: unknown;
          CustomOriginConfig?: Record<string, unknown>;
        }[];
        Logging?: { Bucket: unknown; Prefix: string };
      };
    const originOf = (behavior: Record<string, unknown> | undefined) =>
      distribution().Origins.find((origin) => origin.Id === behavior?.TargetOriginId);

    it('keeps the site bucket private, encrypted and TLS-only', () => {
      const bucket = resourceOf(stack.dashboardSite.bucket).Properties;

      expect(bucket.PublicAccessBlockConfiguration).toEqual(BLOCK_ALL_PUBLIC_ACCESS);
      expect(bucket.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: stack.resolve(stack.dashboardSite.bucket.bucketName),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('lets only this distribution read the site bucket', () => {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: stack.resolve(stack.dashboardSite.bucket.bucketName),
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Effect: 'Allow',
              Action: 's3:GetObject',
              Principal: { Service: 'cloudfront.amazonaws.com' },
              Resource: {
                'Fn::Join': ['', [stack.resolve(stack.dashboardSite.bucket.bucketArn), '/*']],
              },
              Condition: {
                StringEquals: {
                  'AWS:SourceArn': stack.resolve(stack.dashboardSite.distribution.distributionArn),
                },
              },
            },
          ]),
        },
      });
    });

    it('logs bucket and distribution access to the logs bucket', () => {
      expect(resourceOf(stack.dashboardSite.bucket).Properties.LoggingConfiguration).toEqual({
        DestinationBucketName: stack.resolve(stack.dashboardSite.logsBucket.bucketName),
        LogFilePrefix: 'site-bucket/',
      });
      expect(distribution().Logging).toEqual({
        Bucket: stack.resolve(stack.dashboardSite.logsBucket.bucketRegionalDomainName),
        Prefix: 'cloudfront/',
      });
      expect(resourceOf(stack.dashboardSite.logsBucket).Properties).toMatchObject({
        LifecycleConfiguration: { Rules: [{ ExpirationInDays: 30, Status: 'Enabled' }] },
        PublicAccessBlockConfiguration: BLOCK_ALL_PUBLIC_ACCESS,
      });
    });

    it('serves index.html at the root, redirecting plain HTTP to HTTPS', () => {
      expect(distribution().DefaultRootObject).toBe('index.html');
      expect(distribution().DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    });

    it('reads the site bucket through an origin access control', () => {
      const origin = originOf(distribution().DefaultCacheBehavior);

      expect(origin?.DomainName).toEqual(
        stack.resolve(stack.dashboardSite.bucket.bucketRegionalDomainName),
      );
      expect(origin?.OriginAccessControlId).toEqual({
        'Fn::GetAtt': [expect.any(String), 'Id'],
      });
      template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
        OriginAccessControlConfig: {
          OriginAccessControlOriginType: 's3',
          SigningBehavior: 'always',
          SigningProtocol: 'sigv4',
        },
      });
    });

    it('sends /api/* to the API over TLS 1.2, uncached, with every method, query and header but Host', () => {
      const api = distribution().CacheBehaviors.find(
        (behavior) => behavior.PathPattern === '/api/*',
      );
      const origin = originOf(api);

      expect(distribution().CacheBehaviors).toHaveLength(1);
      expect(api).toMatchObject({
        CachePolicyId: CACHING_DISABLED,
        OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
        ViewerProtocolPolicy: 'https-only',
      });
      expect(origin?.DomainName).toEqual(stack.resolve(stack.dashboardApi.domainName));
      expect(origin?.CustomOriginConfig).toMatchObject({
        OriginProtocolPolicy: 'https-only',
        OriginSSLProtocols: ['TLSv1.2'],
      });
    });

    it('puts the strict CSP and the security headers on the page and on the API', () => {
      const policy = stack.resolve(
        stack.dashboardSite.responseHeadersPolicy.responseHeadersPolicyId,
      );

      template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
        ResponseHeadersPolicyConfig: Match.objectLike({
          SecurityHeadersConfig: {
            ContentSecurityPolicy: {
              ContentSecurityPolicy: CONTENT_SECURITY_POLICY,
              Override: true,
            },
            StrictTransportSecurity: {
              AccessControlMaxAgeSec: 2 * 365 * 24 * 3600,
              IncludeSubdomains: true,
              Override: true,
            },
            ContentTypeOptions: { Override: true },
            ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
            FrameOptions: { FrameOption: 'DENY', Override: true },
          },
        }),
      });
      expect(distribution().DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual(policy);
      expect(distribution().CacheBehaviors[0]?.ResponseHeadersPolicyId).toEqual(policy);
    });

    it('copies web/ into the site bucket on deploy and invalidates the cached copies', () => {
      template.hasResourceProperties('Custom::CDKBucketDeployment', {
        DestinationBucketName: stack.resolve(stack.dashboardSite.bucket.bucketName),
        DistributionId: stack.resolve(stack.dashboardSite.distribution.distributionId),
        DistributionPaths: ['/*'],
      });
    });
  });

  it('outputs the dashboard URL and the API endpoint', () => {
    template.hasOutput('DashboardUrl', {
      Value: {
        'Fn::Join': [
          '',
          ['https://', stack.resolve(stack.dashboardSite.distribution.distributionDomainName)],
        ],
      },
    });
    template.hasOutput('DashboardApiEndpoint', {
      Value: stack.resolve(stack.dashboardApi.httpApi.apiEndpoint),
    });
  });

  it('has no cdk-nag finding on the dashboard that is not acknowledged with a reason', () => {
    const dashboardPaths = [
      stack.dashboardApi.node.path,
      stack.dashboardSite.node.path,
      // The singletons aws-cdk-lib adds at the stack's root for the site's deployment.
      `${stack.node.path}/Custom::CDKBucketDeployment`,
      `${stack.node.path}/Custom::S3AutoDeleteObjects`,
    ];
    const findings = complianceChecks(app).flatMap((pack) =>
      pack.validateScope(app).violations.flatMap((violation) =>
        violation.violatingResources
          .map((resource) => resource.constructPath ?? '')
          .filter((constructPath) =>
            dashboardPaths.some((prefix) => constructPath.startsWith(prefix)),
          )
          .map((constructPath) => `${violation.ruleName} at ${constructPath}`),
      ),
    );

    expect(findings).toEqual([]);
  });
});
