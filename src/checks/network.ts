import { exclusionFor, METADATA_ENDPOINTS, metadataAdmittedBy } from '../plan/address-ranges';
import { describe } from './objects';
import type { Problem, Rule } from './types';

interface PolicyPort {
  readonly port?: number | string;
  readonly endPort?: number;
  readonly protocol?: string;
}

/** Whether an egress rule lets DNS over UDP through (to any destination it lists). */
function allowsDnsOverUdp(rule: { ports?: readonly PolicyPort[] }): boolean {
  const ports = rule.ports ?? [];
  if (ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== 'UDP') return false;
    if (p.port === undefined) return true;
    // A named port is resolved on the destination pods; "dns" is CoreDNS's name for 53/UDP.
    if (typeof p.port === 'string') return p.port === 'dns' || p.port === '53';
    return p.port === 53 || (p.endPort !== undefined && p.port <= 53 && 53 <= p.endPort);
  });
}

export const egressAllowsDns: Rule = {
  id: 'egress-allows-dns',
  phase: 'objects',
  severity: 'error',
  what: 'a NetworkPolicy restricting egress with no egress rule, or none allowing DNS (53/UDP)',
  why: 'the pods could not resolve any name: every connection the application makes fails',
  fix: 'an egress rule to the cluster DNS pods (kube-system, `k8s-app: kube-dns`) on ports 53/UDP and 53/TCP',
  check: ({ tree }) => {
    const out: Problem[] = [];
    for (const { file, object } of tree.objects) {
      if (object.kind !== 'NetworkPolicy') continue;
      const spec = object.spec ?? {};
      const types: string[] = spec.policyTypes ?? (spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
      if (!types.includes('Egress')) continue;
      const egress: { ports?: PolicyPort[] }[] = spec.egress ?? [];
      if (egress.length === 0) {
        out.push({
          resource: describe(object),
          file,
          location: 'spec.egress',
          message: 'restricts egress but lists no egress rule, so the pods can reach nothing, not even DNS',
          fix: 'add the egress the pods need, starting with DNS: ports 53/UDP and 53/TCP to the cluster DNS pods',
        });
      } else if (!egress.some(allowsDnsOverUdp)) {
        out.push({
          resource: describe(object),
          file,
          location: 'spec.egress',
          message: 'allows no DNS (port 53/UDP): the pods could not resolve any name',
          fix: 'add an egress rule to the cluster DNS pods (kube-system, k8s-app: kube-dns) on ports 53/UDP and 53/TCP',
        });
      }
    }
    return out;
  },
};

export const egressBlocksMetadata: Rule = {
  id: 'egress-blocks-metadata',
  phase: 'objects',
  severity: 'error',
  what: 'an egress rule reaching a cloud metadata endpoint (`169.254.169.254`, `100.100.100.200`, `fd00:ec2::254`, `64:ff9b::a9fe:a9fe`): an ipBlock that does not except it, or a rule with no `to`',
  why: 'the metadata endpoint hands out the node\'s cloud credentials to any pod that reaches it',
  fix: 'list the destinations; for the internet, an ipBlock `0.0.0.0/0` (and `::/0`) whose `except` holds the non-public ranges',
  check: ({ tree }) => {
    const out: Problem[] = [];
    for (const { file, object } of tree.objects) {
      if (object.kind !== 'NetworkPolicy') continue;
      const egress: { to?: { ipBlock?: { cidr?: unknown; except?: unknown } }[] }[] = Array.isArray(object.spec?.egress) ? object.spec.egress : [];
      egress.forEach((rule, r) => {
        const peers = Array.isArray(rule.to) ? rule.to : [];
        if (peers.length === 0) {
          out.push({
            resource: describe(object),
            file,
            location: `spec.egress[${r}]`,
            message: `allows every destination, the cloud metadata endpoints included (${METADATA_ENDPOINTS.map((e) => e.address).join(', ')}), which hand out the node's credentials`,
            fix: 'list the destinations in "to"; for the internet, an ipBlock 0.0.0.0/0 (and ::/0) whose except holds the non-public ranges',
          });
          return;
        }
        peers.forEach((peer, p) => {
          const block = peer?.ipBlock;
          if (typeof block?.cidr !== 'string') return;
          const except = Array.isArray(block.except) ? block.except.filter((e): e is string => typeof e === 'string') : [];
          for (const endpoint of metadataAdmittedBy({ cidr: block.cidr, except })) {
            const exclusion = exclusionFor(block.cidr, endpoint.address);
            out.push({
              resource: describe(object),
              file,
              location: `spec.egress[${r}].to[${p}].ipBlock`,
              message: `"${block.cidr}" lets the pods reach ${endpoint.address} (${endpoint.what}), which hands out the node's cloud credentials`,
              fix: exclusion ? `add "${exclusion}" to the ipBlock's except` : 'remove this peer: the metadata endpoint is never a destination the application needs',
            });
          }
        });
      });
    }
    return out;
  },
};
