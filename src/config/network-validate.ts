import { everything, exclusionFor, familyOf, metadataAdmittedBy, NON_PUBLIC_IPV4, NON_PUBLIC_IPV6 } from '../plan/address-ranges';
import type { AragoraSecretsConfig } from '../config-kit/schema';
import { vaultOptions } from '../delivery/vault/validate';

type Add = (segments: PropertyKey[], message: string, fix?: string) => void;

/**
 * The egress NetworkPolicy may never open a cloud metadata endpoint (169.254.169.254,
 * fd00:ec2::254...): it hands the node's cloud credentials to any pod that reaches it. Every
 * address range the config can open is checked: the public HTTPS exceptions, the backends and an
 * out-of-cluster Vault server.
 */
export function networkProblems(config: AragoraSecretsConfig, add: Add): void {
  for (const envName of Object.keys(config.environments).sort()) {
    const env = config.environments[envName];
    const network = env.network;
    if (network?.enabled === false) continue;
    const at = ['environments', envName, 'network'];

    const https = network?.publicHttps;
    if (https?.except && (https.enabled ?? true)) {
      const ports = https.ports ?? [443];
      const onPorts = `on port${ports.length > 1 ? 's' : ''} ${ports.join(', ')}`;
      for (const family of ['ipv4', 'ipv6'] as const) {
        const listed = https.except.filter((range) => familyOf(range) === family);
        // A family the list leaves out keeps its defaults (see publicExceptions in the plan).
        if (listed.length === 0) continue;
        for (const endpoint of metadataAdmittedBy({ cidr: everything(family), except: listed })) {
          add(
            [...at, 'publicHttps', 'except'],
            `leaves ${endpoint.address} (${endpoint.what}) reachable ${onPorts}: it hands the node's cloud credentials to any pod that asks`,
            `add "${exclusionFor(everything(family), endpoint.address)}" to the list, or remove "except" to keep the defaults (${(family === 'ipv4' ? NON_PUBLIC_IPV4 : NON_PUBLIC_IPV6).length} non-public ${family === 'ipv4' ? 'IPv4' : 'IPv6'} ranges)`,
          );
        }
      }
    }

    (network?.backends ?? []).forEach((backend, i) => {
      if (!backend.cidr || familyOf(backend.cidr) === undefined) return;
      for (const endpoint of metadataAdmittedBy({ cidr: backend.cidr, except: backend.except })) {
        const exclusion = exclusionFor(backend.cidr, endpoint.address);
        add(
          [...at, 'backends', i, 'cidr'],
          `backend "${backend.name}": "${backend.cidr}" includes ${endpoint.address} (${endpoint.what}): the pods could fetch the node's cloud credentials`,
          exclusion
            ? `narrow the cidr to the backend's addresses, or add "${exclusion}" to its except`
            : 'remove this backend: the metadata endpoint is never a secret backend (pods get cloud access through IRSA or Workload Identity)',
        );
      }
    });

    const server = vaultOptions(env)?.server;
    if (server?.cidr && familyOf(server.cidr) !== undefined) {
      for (const endpoint of metadataAdmittedBy({ cidr: server.cidr })) {
        add(
          ['environments', envName, 'delivery', 'server', 'cidr'],
          `"${server.cidr}" includes ${endpoint.address} (${endpoint.what}): the pods could fetch the node's cloud credentials`,
          "narrow the cidr to the Vault servers' addresses",
        );
      }
    }
  }
}
