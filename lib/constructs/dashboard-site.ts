/**
 * DashboardSite: the dashboard's web page and its one public address. A private S3 bucket holds
 * the files of `web/`, copied on each deploy; a CloudFront distribution serves them over HTTPS
 * through an origin access control (the bucket is never public) and sends `/api/*` to the
 * dashboard API, so the page and its API share one origin and need no CORS. Every response
 * carries a strict Content-Security-Policy and the usual security headers. Access logs of the
 * bucket and of the distribution go to a logs bucket kept as long as the functions' logs.
 */
import { DefaultStackSynthesizer, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

/**
 * The page loads only its own scripts, styles and data: no inline script or style, no third
 * party, images from itself or data: URLs, and no framing. Feed texts are shown as text; this is
 * the second line of defence if one ever slipped into the page as HTML.
 */
export const DASHBOARD_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The path pattern CloudFront sends to the API; every route of docs/api.md is under it. */
export const DASHBOARD_API_PATH_PATTERN = '/api/*';

export interface DashboardSiteProps {
  /** The folder whose files are the site (`index.html` at its root). */
  readonly webDirectory: string;
  /** Host name of the dashboard API (`<id>.execute-api.<region>.amazonaws.com`). */
  readonly apiDomainName: string;
}

export class DashboardSite extends Construct {
  /** Holds the site's files; private, read by the distribution only. */
  readonly bucket: Bucket;
  /** Access logs of `bucket` (prefix `site-bucket/`) and of `distribution` (`cloudfront/`). */
  readonly logsBucket: Bucket;
  readonly distribution: Distribution;
  readonly responseHeadersPolicy: ResponseHeadersPolicy;
  readonly deployment: BucketDeployment;

  constructor(scope: Construct, id: string, props: DashboardSiteProps) {
    super(scope, id);
    // Both buckets hold only what a deploy rebuilds (the files of web/) or logs, kept as long
    // as the functions' logs: they go with the stack, which holds no data.
    const ephemeral = {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    } as const;
    this.logsBucket = new Bucket(this, 'LogsBucket', {
      ...ephemeral,
      // CloudFront standard logs are delivered with an ACL grant: the bucket must accept ACLs.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(30) }],
    });
    this.bucket = new Bucket(this, 'Bucket', {
      ...ephemeral,
      serverAccessLogsBucket: this.logsBucket,
      serverAccessLogsPrefix: 'site-bucket/',
    });

    this.responseHeadersPolicy = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'news-alerts dashboard: strict CSP and security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: DASHBOARD_CONTENT_SECURITY_POLICY,
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365 * 2),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        // The page links to news outlets; they need not learn where the reader came from.
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
      },
    });

    const apiOrigin = new HttpOrigin(props.apiDomainName, {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [OriginSslPolicy.TLS_V1_2],
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'news-alerts dashboard',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: this.responseHeadersPolicy,
      },
      additionalBehaviors: {
        [DASHBOARD_API_PATH_PATTERN]: {
          origin: apiOrigin,
          // An HTTP redirect would turn a POST into a GET: plain HTTP gets a 403 instead.
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          // Query strings, headers (the SigV4 ones too) and cookies; Host is the API's own, which
          // API Gateway needs to find the API.
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: this.responseHeadersPolicy,
        },
      },
      // No error responses: they would apply to /api/* too and turn the API's 403 and 404 into
      // pages.
      httpVersion: HttpVersion.HTTP2_AND_3,
      // North America and Europe edges only: the cheapest class; readers elsewhere are served
      // from the nearest of those.
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logsBucket,
      logFilePrefix: 'cloudfront/',
    });
    this.acknowledgeDistributionFindings();

    // The files of web/ replace the bucket's on each deploy (files gone from web/ are deleted),
    // and the cached copies are invalidated so readers get the new page at once.
    const deploymentLogs = new LogGroup(this, 'DeploymentLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.deployment = new BucketDeployment(this, 'Deployment', {
      sources: [Source.asset(props.webDirectory)],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: 512,
      logGroup: deploymentLogs,
    });
    this.acknowledgeDeploymentFindings();
  }

  /** `https://<distribution domain>`: the dashboard's address. */
  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }

  private acknowledgeDistributionFindings(): void {
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'The dashboard shows public news to readers anywhere; there is no country to keep out.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'No WAF: the site is static files, the open API routes are cheap reads throttled at the ' +
          'API stage, and every write needs a SigV4 signature. A web ACL would cost more than ' +
          'the rest of the deployment at its size.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The distribution has no custom domain, so it uses the default *.cloudfront.net ' +
          'certificate, whose security policy CloudFront fixes (TLSv1) and no setting changes. ' +
          'A custom domain with its ACM certificate and TLSv1.2_2021 would remove this.',
      },
    );
  }

  /**
   * The BucketDeployment's function is a singleton of aws-cdk-lib (one per stack, Python with the
   * AWS CLI in a layer) that runs only while CloudFormation deploys the site: its runtime, its
   * role and its grants are written by aws-cdk-lib, not by us.
   */
  private acknowledgeDeploymentFindings(): void {
    const stack = Stack.of(this);
    const handler = stack.node.children.find(
      (child) =>
        child.node.id.startsWith('Custom::CDKBucketDeployment') &&
        child.node.defaultChild instanceof CfnFunction,
    );
    if (!handler) throw new Error('BucketDeployment created no function');
    const pinnedRuntime =
      'The runtime of the BucketDeployment function is pinned by aws-cdk-lib (with the AWS CLI ' +
      'layer built for it); it moves when aws-cdk-lib is upgraded.';
    const customResource =
      'A CloudFormation custom resource: CloudFormation waits for its answer and fails the ' +
      'deploy if it fails, so it has no event to lose.';
    Validations.of(handler).acknowledge(
      { id: 'AwsSolutions-L1', reason: pinnedRuntime },
      { id: 'Serverless-LambdaLatestVersion', reason: pinnedRuntime },
      { id: 'Serverless-LambdaDLQ', reason: customResource },
      {
        id: 'Serverless-LambdaTracing',
        reason: `Runs once a deploy to copy web/ into the bucket. ${customResource}`,
      },
    );

    const assetBucket = `arn:<AWS::Partition>:s3:::cdk-${DefaultStackSynthesizer.DEFAULT_QUALIFIER}-assets-<AWS::AccountId>-<AWS::Region>`;
    const siteBucket = `<${stack.getLogicalId(this.bucket.node.defaultChild as CfnBucket)}.Arn>`;
    const copy =
      'aws-cdk-lib grants the deployment function read on the CDK asset bucket and read/write ' +
      'on the site bucket with wildcard actions (an `aws s3 sync --delete` needs list, get, put ' +
      'and delete); the resources are those two buckets only.';
    Validations.of(this.deployment.handlerRole).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'The AWS-managed basic execution policy only lets the function write its logs.',
      },
      ...['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:Abort*', 's3:DeleteObject*'].map(
        (action) => ({ id: `AwsSolutions-IAM5[Action::${action}]`, reason: copy }),
      ),
      { id: `AwsSolutions-IAM5[Resource::${assetBucket}/*]`, reason: copy },
      { id: `AwsSolutions-IAM5[Resource::${siteBucket}/*]`, reason: copy },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'cloudfront:CreateInvalidation and GetInvalidation, which aws-cdk-lib grants on "*" ' +
          'when a BucketDeployment invalidates a distribution: after each deploy the cached ' +
          'pages of the dashboard are invalidated so readers get the new files at once. Nothing ' +
          'else is granted on "*".',
      },
    );
  }
}
