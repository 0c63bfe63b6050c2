/**
 * The CDK app: one gitops-sentinel stack per region of the chosen stage, checked by
 * cdk-nag's AWS Solutions rules during synth.
 *
 *   npx cdk synth -c stage=prod -c region=eu-west-1,us-east-1 -c configFile=sentinel.yaml
 */
import { App } from 'aws-cdk-lib';
import { buildApp } from '../app-builder';

const app = new App();
buildApp(app);
app.synth();
