import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { EgressPeer, EgressRule } from '../model/plan';

export interface SecretsEgressPolicyProps {
  /** `metadata.name`. */
  readonly policyName: string;
  /** Labels of the pods that read the secrets. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Allowed egress; DNS should be among it or nothing resolves. */
  readonly egress: readonly EgressRule[];
  /** @default - no extra labels */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Egress NetworkPolicy for the pods that hold secrets: only DNS, the configured backends and
 * HTTPS to public addresses (the LLM provider APIs publish no stable ranges, so the internet
 * is allowed on 443 while private ranges are excluded). Ingress is left to the application.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export class SecretsEgressPolicy extends Construct {
  public readonly policyName: string;

  constructor(scope: Construct, id: string, props: SecretsEgressPolicyProps) {
    super(scope, id);
    this.policyName = props.policyName;
    if (Object.keys(props.podLabels).length === 0) {
      throw new Error('`podLabels` is empty: the policy would select every pod of the namespace');
    }
    new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { name: props.policyName, labels: props.labels ? { ...props.labels } : undefined },
      spec: {
        podSelector: { matchLabels: { ...props.podLabels } },
        policyTypes: ['Egress'],
        egress: props.egress.map((rule) => ({
          to: rule.peers.map(renderPeer),
          ports: rule.ports.map((p) => ({ port: k8s.IntOrString.fromNumber(p.port), protocol: p.protocol })),
        })),
      },
    });
    this.node.addValidation({
      validate: () =>
        props.egress.some((rule) => rule.ports.some((p) => p.port === 53))
          ? []
          : [`NetworkPolicy "${props.policyName}" allows no DNS (port 53): the pods could not resolve any name`],
    });
  }
}

function renderPeer(peer: EgressPeer): k8s.NetworkPolicyPeer {
  if (peer.kind === 'cidr') {
    return { ipBlock: { cidr: peer.cidr, except: peer.except.length > 0 ? [...peer.except] : undefined } };
  }
  return {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': peer.namespace } },
    podSelector: Object.keys(peer.podLabels).length > 0 ? { matchLabels: { ...peer.podLabels } } : {},
  };
}
