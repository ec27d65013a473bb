import type { CloudResolution, CloudResolver, RemoteRef } from '../../plan/plan';
import type { ServiceAccountIdentity } from '../../plan/eso-identity';
import { resolveAwsPlan, type AwsEsoPlan, type AwsPlan } from './plan';
import { awsSchema } from './schema';

declare module '../../plan/plan' {
  interface CloudPlans {
    /** The AWS stack of the environment; absent when it has no `aws:` block. */
    readonly aws?: AwsPlan;
  }
}

declare module '../../plan/eso-identity' {
  interface EsoIdentityPlan {
    readonly aws?: AwsEsoIdentity;
  }
}

export interface AwsEsoIdentity {
  readonly serviceAccount: ServiceAccountIdentity;
  /** The IAM role of the environment's AWS stack (`plan.aws.eso`), the same object. */
  readonly role: AwsEsoPlan;
}

export const IRSA_ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';

/** The IRSA identity of ESO: its ServiceAccount, annotated with the stack's role. */
export function awsEsoIdentity(role: AwsEsoPlan, create: boolean, labels: Record<string, string> | undefined): AwsEsoIdentity {
  return { serviceAccount: { ...role.serviceAccount, annotations: { [IRSA_ROLE_ANNOTATION]: role.roleArn }, create, labels }, role };
}

/**
 * The pods' own reads (`podCloudReads`): the stack's role, the annotation that makes the ServiceAccount assume it
 * (IRSA; an EKS Pod Identity association needs none), and where each variable is in the stack.
 */
function podIdentity(aws: AwsPlan): Pick<CloudResolution, 'podIdentity' | 'remoteRefs'> {
  const reader = aws.podReader;
  if (!reader) return {};
  const how = reader.trust.kind === 'irsa' ? 'IRSA' : `the EKS Pod Identity association of cluster ${reader.trust.clusterName}`;
  const remoteRefs = new Map<string, RemoteRef>(
    aws.locations.map((l) => [l.secret, l.store === 'secretsManager' ? { key: l.secretName, property: l.jsonKey } : { key: l.parameterName, objectType: 'ssmparameter' }]),
  );
  return {
    podIdentity: {
      serviceAccountAnnotations: reader.trust.kind === 'irsa' ? { [IRSA_ROLE_ANNOTATION]: reader.roleArn } : {},
      principal: `IAM role ${reader.roleArn} (${how})`,
      writtenIn: `stack ${aws.stackName} (aws/${aws.templateFile})`,
    },
    remoteRefs,
  };
}

/** AWS: the environment's stack (secrets, parameters, roles, audit trail) and the IRSA identity of ESO. */
export const awsCloud: CloudResolver = {
  name: 'aws',
  schema: awsSchema,
  resolve: (context) => {
    const { config, env, environment } = context;
    if (!env.aws) return { plan: { aws: undefined } };
    const partition = context.inputs.awsPartitions?.get(env.aws.region);
    if (!partition) throw new Error(`unknown AWS region "${env.aws.region}" reached the plan (config validation should have rejected it, and the caller passes the region table)`);
    const reads = context.podReads?.identity;
    const aws = resolveAwsPlan({
      appName: config.app.name,
      environment,
      namespace: env.namespace,
      config: env.aws,
      secrets: context.secrets,
      managedBy: context.managedBy,
      workload: context.workload,
      partition,
      // The pods read as the application's ServiceAccount (config validation refuses a Google identity here).
      podReads: reads && reads.kind !== 'workloadIdentity' ? { identity: reads, serviceAccount: { namespace: env.namespace, name: config.app.name } } : undefined,
    });
    const identity = aws.eso && awsEsoIdentity(aws.eso, env.aws.eso?.serviceAccount?.create ?? false, context.labelsFor(aws.eso.serviceAccount.namespace));
    const irsa = aws.appCustody?.irsa;
    const appCustody =
      irsa && aws.appCustody
        ? { custody: 'aws' as const, secrets: aws.appCustody.secrets, env: aws.appCustody.env, serviceAccountAnnotations: { [IRSA_ROLE_ANNOTATION]: irsa.roleArn } }
        : undefined;
    return { plan: { aws }, esoIdentity: { aws: identity }, appCustody, ...podIdentity(aws) };
  },
};
