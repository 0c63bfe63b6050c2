/**
 * The HTTP API: the webhook route is public (the function verifies the provider's signature
 * before it parses anything); every operator route needs SigV4.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { OPERATOR_ROUTES as API_ROUTES } from '../../functions/operator-api/routes';
import type { DeploymentSettings } from '../config';
import type { SentinelFunction } from '../constructs/sentinel-function';

/**
 * Operator API routes, all IAM (SigV4) authorised when deployed: taken from the operator
 * API's own route table, so a route added there is deployed too.
 */
export const OPERATOR_ROUTES: readonly { path: string; method: apigwv2.HttpMethod }[] = API_ROUTES.map((r) => ({
  path: r.path,
  method: apigwv2.HttpMethod[r.method],
}));

/** The public webhook route, the same path as ArgoCD's own webhook endpoint. */
// ANY, not POST: the function itself answers 405 to other methods (DESIGN.md), where API
// Gateway would answer a bare 404.
export const WEBHOOK_ROUTE = { path: '/api/webhook', method: apigwv2.HttpMethod.ANY } as const;

/** The API and its `$default` stage. */
export interface SentinelApi {
  readonly api: apigwv2.HttpApi;
  /** Throttled and access-logged. */
  readonly apiStage: apigwv2.HttpStage;
}

/** What {@link sentinelHttpApi} routes to. */
export interface ApiInput {
  readonly settings: DeploymentSettings;
  /** Retention of the access log group. */
  readonly retention: logs.RetentionDays;
  readonly webhook: SentinelFunction;
  readonly operatorApi: SentinelFunction;
}

/** The HTTP API with its access-logged, throttled stage and every route, under `scope` (the stack). */
export function sentinelHttpApi(scope: Construct, { settings, retention, webhook, operatorApi }: ApiInput): SentinelApi {
  const accessLogs = new logs.LogGroup(scope, 'ApiAccessLogs', { retention, removalPolicy: RemovalPolicy.DESTROY });
  const api = new apigwv2.HttpApi(scope, 'HttpApi', {
    apiName: `gitops-sentinel-${settings.stage}`,
    description: 'gitops-sentinel: Git push webhooks and the operator API',
    createDefaultStage: false,
  });
  const apiStage = api.addStage('DefaultStage', {
    stageName: '$default',
    autoDeploy: true,
    throttle: { rateLimit: settings.api.throttleRateLimit, burstLimit: settings.api.throttleBurstLimit },
    accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(accessLogs), format: ACCESS_LOG_FORMAT },
  });
  const [webhookRoute] = api.addRoutes({
    path: WEBHOOK_ROUTE.path,
    methods: [WEBHOOK_ROUTE.method],
    integration: new HttpLambdaIntegration('WebhookIntegration', webhook),
  });
  Validations.of(webhookRoute).acknowledge({
    id: 'AwsSolutions-APIG4',
    reason:
      'Git providers cannot sign requests with SigV4; the webhook function verifies each provider’s HMAC signature or token before parsing and answers ' +
      '401 otherwise.',
  });
  const iamAuthorizer = new HttpIamAuthorizer();
  const operatorIntegration = new HttpLambdaIntegration('OperatorIntegration', operatorApi);
  for (const route of OPERATOR_ROUTES) {
    api.addRoutes({ path: route.path, methods: [route.method], integration: operatorIntegration, authorizer: iamAuthorizer });
  }
  return { api, apiStage };
}

/** One JSON line per request: who (IAM caller or source IP), which route, the status and latency. */
const ACCESS_LOG_FORMAT = apigw.AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    caller: '$context.identity.caller',
    user: '$context.identity.userArn',
    requestTime: '$context.requestTime',
    method: '$context.httpMethod',
    route: '$context.routeKey',
    status: '$context.status',
    responseLength: '$context.responseLength',
    latency: '$context.responseLatency',
    integrationError: '$context.integrationErrorMessage',
  }),
);
