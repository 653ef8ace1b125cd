/**
 * DashboardApi: the dashboard's HTTP API (docs/api.md). One API Gateway HTTP API whose routes, all
 * under /api, go to one function (functions/handlers/api.ts): the reads of topics, timelines,
 * stories and feeds are open; every write, the query preview and every subscription route need a
 * SigV4-signed request (IAM authorizer). There is no `$default` or `ANY` route, so a path or
 * method the contract does not name never reaches the function, signed or not. The `$default`
 * stage logs every request as JSON and is throttled. The function's table and topic grants are
 * bound by the stack, which knows the env var names.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnRoute,
  HttpApi,
  HttpMethod,
  type HttpRoute,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { NodeFunction } from './node-function';

/** Who may call a route: anyone, or a caller with `execute-api:Invoke` who signs with SigV4. */
export type RouteAccess = 'open' | 'signed';

export interface DashboardRoute {
  readonly method: HttpMethod;
  /** The path, with `{name}` for a path parameter, as in docs/api.md. */
  readonly path: string;
  readonly access: RouteAccess;
}

/** Every route of docs/api.md; nothing else is routed. */
export const DASHBOARD_ROUTES: readonly DashboardRoute[] = [
  { method: HttpMethod.GET, path: '/api/topics', access: 'open' },
  { method: HttpMethod.GET, path: '/api/topics/{id}', access: 'open' },
  { method: HttpMethod.GET, path: '/api/topics/{id}/timeline', access: 'open' },
  { method: HttpMethod.GET, path: '/api/topics/{id}/stories', access: 'open' },
  { method: HttpMethod.GET, path: '/api/feeds', access: 'open' },
  { method: HttpMethod.POST, path: '/api/topics', access: 'signed' },
  { method: HttpMethod.PUT, path: '/api/topics/{id}', access: 'signed' },
  { method: HttpMethod.DELETE, path: '/api/topics/{id}', access: 'signed' },
  // Signed although it changes nothing: it runs a draft query over days of articles.
  { method: HttpMethod.POST, path: '/api/topics/preview', access: 'signed' },
  { method: HttpMethod.GET, path: '/api/subscriptions', access: 'signed' },
  { method: HttpMethod.POST, path: '/api/subscriptions', access: 'signed' },
  { method: HttpMethod.DELETE, path: '/api/subscriptions/{endpoint}', access: 'signed' },
];

/** Requests a second the `$default` stage lets through on average, and at once. */
export const DASHBOARD_API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

/**
 * One JSON object a request (Serverless-APIGWStructuredLogging). The route key, not the path: a
 * subscription's path holds an email address or a phone number, which stay out of the logs.
 */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  caller: '$context.identity.userArn',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
} as const;

export class DashboardApi extends Construct {
  readonly httpApi: HttpApi;
  /** Answers every route: functions/handlers/api.ts. Bind its tables and topics to it. */
  readonly handler: NodeFunction;
  /** The `$default` stage, served at the root of the API's URL. */
  readonly stage: HttpStage;
  readonly accessLogGroup: LogGroup;
  /** The routes by `METHOD path`, e.g. `GET /api/topics`. */
  readonly routes: ReadonlyMap<string, HttpRoute>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.handler = new NodeFunction(this, 'Function', {
      handlerFile: 'api.ts',
      invocation: 'sync',
      description: 'Answers the dashboard API: topics, timelines, stories, feeds, subscriptions',
      // Under the integration's 29 s, so the function's own timeout is what ends a slow request
      // and its log says so, rather than a bare 503 from API Gateway while it runs on. The
      // preview (at most 5,000 articles scanned) is the slowest route.
      timeout: Duration.seconds(25),
      memorySize: 1024,
    });

    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `${Stack.of(this).stackName}-dashboard`,
      description: 'news-alerts dashboard API (docs/api.md)',
      // The stage below replaces it: the built-in one takes neither access logs nor throttling.
      createDefaultStage: false,
    });
    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      // Like the functions' logs: they live and die with the API.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      autoDeploy: true,
      throttle: DASHBOARD_API_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    // One integration for every route; each route adds its own invoke permission, scoped to it.
    const integration = new HttpLambdaIntegration('Integration', this.handler);
    const signed = new HttpIamAuthorizer();
    const routes = new Map<string, HttpRoute>();
    for (const { method, path, access } of DASHBOARD_ROUTES) {
      const authorizer: IHttpRouteAuthorizer | undefined = access === 'signed' ? signed : undefined;
      const [route] = this.httpApi.addRoutes({
        path,
        methods: [method],
        integration,
        ...(authorizer && { authorizer }),
      });
      if (!route) throw new Error(`no route for ${method} ${path}`);
      routes.set(`${method} ${path}`, route);
      if (access === 'open') {
        Validations.of(route.node.defaultChild as CfnRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'An open read of docs/api.md: topics, timelines, stories and feeds are public news ' +
            'data shown on the dashboard. Every route that changes state, runs a preview or ' +
            'touches subscriptions uses the IAM authorizer.',
        });
      }
    }
    this.routes = routes;
  }

  /** `https://<api id>.execute-api.<region>.<suffix>`: the API's own endpoint. */
  get endpoint(): string {
    return this.httpApi.apiEndpoint;
  }

  /** The host name of the endpoint, for an HTTP origin. */
  get domainName(): string {
    const stack = Stack.of(this);
    return `${this.httpApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
  }
}
