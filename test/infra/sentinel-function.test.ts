import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { handlerEntry } from '../../infra/bundling';
import { SentinelFunction } from '../../infra/constructs/sentinel-function';

describe('SentinelFunction', () => {
  let template: Template;

  beforeAll(() => {
    const stack = new Stack(new App(), 'FunctionTest');
    new SentinelFunction(stack, 'Fn', {
      entry: handlerEntry('drift-scan'),
      memorySize: 2048,
      timeout: Duration.seconds(90),
      environment: { EXTRA: '1', POWERTOOLS_LOG_LEVEL: 'DEBUG' },
    });
    template = Template.fromStack(stack);
  });

  it('applies the shared defaults', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: lambda.Runtime.NODEJS_24_X.name,
      Architectures: ['arm64'],
      Handler: 'index.handler',
    });
  });

  it('lets the caller override any default and merges the environment', () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0].Properties;
    expect(fn).toMatchObject({ MemorySize: 2048, Timeout: 90 });
    expect(fn.Environment.Variables).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'gitops-sentinel',
      POWERTOOLS_METRICS_NAMESPACE: 'GitOpsSentinel',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
      EXTRA: '1',
    });
  });

  it('gives its own role nothing but writing to its own log group', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^FnLogGroup/), 'Arn'] } },
    ]);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });
});
