/** Where the ArgoCD-facing functions run: Lambda's own network, or an existing VPC. */
import { Fn } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { DeploymentSettings } from '../config';

/** The network props of a function placed in the configured VPC (empty without one). */
export type FunctionNetwork = Pick<lambda.FunctionOptions, 'vpc' | 'vpcSubnets' | 'securityGroups'>;

/**
 * An existing VPC, for an ArgoCD reachable only on a private network: its subnets and security
 * groups imported by id (or one egress-only security group created), under `scope` (the stack).
 * @returns `{}` when no VPC is configured
 */
export function functionNetwork(scope: Construct, vpcSettings: DeploymentSettings['vpc']): FunctionNetwork {
  if (!vpcSettings) return {};
  // Lambda places its network interfaces by subnet id, so the VPC's zone list is never
  // read; it is only required to be non-empty. No lookup: synth stays offline.
  const vpc = ec2.Vpc.fromVpcAttributes(scope, 'Vpc', { vpcId: vpcSettings.vpcId, availabilityZones: [Fn.select(0, Fn.getAzs())] });
  const securityGroups = vpcSettings.securityGroupIds.length
    ? vpcSettings.securityGroupIds.map((sg, n) => ec2.SecurityGroup.fromSecurityGroupId(scope, `SecurityGroup${n}`, sg))
    : [
        new ec2.SecurityGroup(scope, 'FunctionsSecurityGroup', {
          vpc,
          description: 'gitops-sentinel functions: outbound to ArgoCD and AWS APIs',
          allowAllOutbound: true,
        }),
      ];
  return {
    vpc,
    vpcSubnets: { subnets: vpcSettings.subnetIds.map((s, n) => ec2.Subnet.fromSubnetId(scope, `Subnet${n}`, s)) },
    securityGroups,
  };
}
