import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { Construct } from 'constructs';
import { isStrictSubnet, isValidCidr } from '../config-kit/fields';
import { metadataAdmittedBy } from '../plan/address-ranges';

/** Where egress may go: an address block (with exceptions), or pods of a namespace. */
export type EgressPolicyPeer =
  | { readonly kind: 'cidr'; readonly cidr: string; readonly except: readonly string[] }
  | { readonly kind: 'pods'; readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> };

/** One egress rule: any of `peers`, on any of `ports`. */
export interface EgressPolicyRule {
  /** What the rule is for, named in validation messages. */
  readonly purpose: string;
  readonly peers: readonly EgressPolicyPeer[];
  readonly ports: readonly { readonly port: number; readonly protocol: 'TCP' | 'UDP' }[];
}

export interface SecretsEgressPolicyProps {
  /** `metadata.name`. */
  readonly policyName: string;
  /** Labels of the pods that read the secrets. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Allowed egress; DNS should be among it or nothing resolves. */
  readonly egress: readonly EgressPolicyRule[];
  /** @default - no extra labels */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Egress NetworkPolicy for the pods that hold secrets: only DNS, the configured backends and
 * HTTPS to public addresses (the LLM provider APIs publish no stable ranges, so the internet
 * is allowed on 443, IPv4 and IPv6, while every non-public range is excluded). No address
 * block may reach a cloud metadata endpoint (169.254.169.254, fd00:ec2::254...), which hands
 * the node's credentials to any pod that asks. Ingress is left to the application.
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
      validate: () => [
        ...(props.egress.some((rule) => rule.ports.some((p) => p.port === 53))
          ? []
          : [`NetworkPolicy "${props.policyName}" allows no DNS (port 53): the pods could not resolve any name`]),
        ...props.egress.flatMap((rule) => rule.peers.flatMap((peer) => (peer.kind === 'cidr' ? ipBlockProblems(props.policyName, rule.purpose, peer) : []))),
      ],
    });
  }
}

function ipBlockProblems(policyName: string, purpose: string, peer: { readonly cidr: string; readonly except: readonly string[] }): string[] {
  const where = `NetworkPolicy "${policyName}", ${purpose}`;
  if (!isValidCidr(peer.cidr)) {
    const hint = /^[^/]+$/.test(peer.cidr) ? ` Did you mean "${peer.cidr}/${peer.cidr.includes(':') ? 128 : 32}"?` : '';
    return [`${where}: "${peer.cidr}" is not a CIDR block (address/prefix length).${hint}`];
  }
  return [
    ...peer.except
      .filter((range) => !isStrictSubnet(range, peer.cidr))
      .map((range) => `${where}: except "${range}" is not strictly inside "${peer.cidr}" (the API server refuses the policy)`),
    ...metadataAdmittedBy(peer).map(
      (endpoint) => `${where}: "${peer.cidr}" lets the pods reach ${endpoint.address} (${endpoint.what}), which hands out the node's cloud credentials: exclude it`,
    ),
  ];
}

function renderPeer(peer: EgressPolicyPeer): k8s.NetworkPolicyPeer {
  if (peer.kind === 'cidr') {
    return { ipBlock: { cidr: peer.cidr, except: peer.except.length > 0 ? [...peer.except] : undefined } };
  }
  return {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': peer.namespace } },
    podSelector: Object.keys(peer.podLabels).length > 0 ? { matchLabels: { ...peer.podLabels } } : {},
  };
}
