import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdk8s';
import { stringify } from 'yaml';
import type { AragoraSecretsConfig } from '../src/config-kit/schema';
import { SecretsEgressPolicy } from '../src/k8s/egress-policy';
import { validationErrors } from '../src/app/synthesize';
import { checkFiles } from '../src/checks';
import { RULES } from '../src/app/rule-set';
import { configWith, find, manifests, synth } from './helpers';
import { listAll, spawnCli } from './support/cli';
import { integration } from './support/tiers';

/** A project folder holding `config` as aragora-secrets.yaml. */
function project(config: AragoraSecretsConfig): string {
  const dir = mkdtempSync(join(tmpdir(), 'aragora-network-'));
  writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
  return dir;
}

/** Whether an ipBlock lets `address` through, computed here independently of src/ (IPv4 only). */
function admitsIPv4(block: { cidr: string; except?: string[] }, address: string): boolean {
  const toNumber = (a: string) => a.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
  const inRange = (cidr: string) => {
    const [base, prefix] = cidr.split('/');
    const size = 2 ** (32 - Number(prefix));
    return Math.floor(toNumber(address) / size) === Math.floor(toNumber(base) / size);
  };
  return inRange(block.cidr) && !(block.except ?? []).some(inRange);
}

const IPV4_EXCEPT = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '240.0.0.0/4',
];

describe('public HTTPS leaves every non-public range out, IPv4 and IPv6', () => {
  const files = synth();

  test.each(['dev', 'qa', 'staging', 'prod'])('%s: 0.0.0.0/0 without the special-purpose ranges, ::/0 without ULA, link-local, loopback, IPv4-mapped and NAT64 images', (env) => {
    const policy = find(manifests(files, env), 'NetworkPolicy', 'aragora-secrets-access');
    const https = policy.spec.egress.find((rule: any) => rule.ports.some((p: any) => p.port === 443));
    const [v4, v6] = https.to.map((peer: any) => peer.ipBlock);
    expect(v4).toEqual({ cidr: '0.0.0.0/0', except: IPV4_EXCEPT });
    expect(v6.cidr).toBe('::/0');
    expect(v6.except).toEqual(
      expect.arrayContaining(['::1/128', '::ffff:0:0/96', 'fc00::/7', 'fe80::/10', '64:ff9b::a9fe:0/112', '64:ff9b::a00:0/104', '64:ff9b::6440:0/106', '64:ff9b:1::/48']),
    );
    // The public NAT64 prefix stays open (IPv6-only clusters reach IPv4-only APIs through it).
    expect(v6.except).not.toContain('64:ff9b::/96');
    for (const address of ['169.254.169.254', '100.100.100.200', '100.64.1.7', '127.0.0.1', '0.0.0.0', '10.1.2.3']) expect(admitsIPv4(v4, address)).toBe(false);
    expect(admitsIPv4(v4, '160.79.104.10')).toBe(true);
  });

  test('the generated policies pass every guard rail, egress-blocks-metadata included', () => {
    expect(checkFiles(RULES, files)).toEqual([]);
  });

  test('an extra public port does not open the metadata endpoint', () => {
    const withPort80 = synth(configWith((c) => (c.environments.dev.network = { publicHttps: { ports: [443, 80] } })));
    const policy = find(manifests(withPort80, 'dev'), 'NetworkPolicy');
    const https = policy.spec.egress.find((rule: any) => rule.ports.some((p: any) => p.port === 80));
    expect(https.ports).toEqual([
      { port: 80, protocol: 'TCP' },
      { port: 443, protocol: 'TCP' },
    ]);
    expect(admitsIPv4(https.to[0].ipBlock, '169.254.169.254')).toBe(false);
  });

  test('a configured list replaces the defaults of its own family only', () => {
    const files = synth(configWith((c) => (c.environments.dev.network = { publicHttps: { except: [...IPV4_EXCEPT, '203.0.114.0/24'] } })));
    const [v4, v6] = find(manifests(files, 'dev'), 'NetworkPolicy').spec.egress[1].to.map((p: any) => p.ipBlock);
    expect(v4.except).toEqual([...IPV4_EXCEPT, '203.0.114.0/24']);
    expect(v6.except).toContain('fc00::/7');
  });
});

integration.describe('a config that would open a cloud metadata endpoint is refused, through the real CLI', () => {
  test('public exceptions without link-local, backends and a Vault server that include the endpoint: each named with its fix; nothing written', () => {
    // GIVEN an attacker-friendly config: the old private-only list, IPv6 exceptions without the NAT64 image
    // of link-local, a backend "to everything" on port 80, one on the metadata address itself, one over IPv6
    const dir = project(
      configWith((c) => {
        c.environments.dev.network = {
          publicHttps: { except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7', 'fe80::/10'], ports: [443, 80] },
          backends: [
            { name: 'anything', cidr: '0.0.0.0/0', ports: [80] },
            { name: 'imds', cidr: '169.254.169.254/32', ports: [80] },
            { name: 'imds-v6', cidr: 'fd00:ec2::/64', ports: [80] },
          ],
        };
        const prod = c.environments.prod.delivery as { server: Record<string, unknown> };
        prod.server = { address: 'https://169.254.1.1:8200', cidr: '169.254.0.0/16' };
      }),
    );
    // WHEN synth runs
    const run = spawnCli(dir, ['synth']);
    // THEN it exits 1, names each path and what to do, prints no stack, writes nothing
    expect(run.status).toBe(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stderr).toMatch(/environments\.dev\.network\.publicHttps\.except.*169\.254\.169\.254 \(the cloud metadata endpoint.*reachable on ports 443, 80/);
    expect(run.stderr).toMatch(/add "169\.254\.0\.0\/16" to the list, or remove "except"/);
    expect(run.stderr).toMatch(/environments\.dev\.network\.publicHttps\.except.*100\.100\.100\.200/);
    expect(run.stderr).toMatch(/environments\.dev\.network\.publicHttps\.except.*64:ff9b::a9fe:a9fe/);
    expect(run.stderr).toMatch(/environments\.dev\.network\.backends\[0\]\.cidr.*"0\.0\.0\.0\/0" includes 169\.254\.169\.254[\s\S]*add "169\.254\.0\.0\/16" to its except/);
    expect(run.stderr).toMatch(/environments\.dev\.network\.backends\[1\]\.cidr[\s\S]*remove this backend/);
    expect(run.stderr).toMatch(/environments\.dev\.network\.backends\[2\]\.cidr.*fd00:ec2::254/);
    expect(run.stderr).toMatch(/environments\.prod\.delivery\.server\.cidr.*169\.254\.169\.254/);
    expect(listAll(dir)).toEqual(['aragora-secrets.yaml']);
  });

  test('IPv6 exceptions are accepted (the list used to take IPv4 only); a range outside both families is not', () => {
    const dir = project(
      configWith((c) => {
        c.environments.dev.network = { publicHttps: { except: [...IPV4_EXCEPT, 'fc00::/7', 'fe80::/10', '::1/128', '64:ff9b::a9fe:0/112', '::/0'] } };
      }),
    );
    const run = spawnCli(dir, ['check']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/environments\.dev\.network\.publicHttps\.except\[18\] \(line \d+\): "::\/0" is not a range strictly inside 0\.0\.0\.0\/0 or ::\/0/);
    expect(run.stderr).not.toMatch(/except\[1[4-7]\]/);
  });
});

describe('the NetworkPolicy construct refuses what the API server or the metadata rule would', () => {
  test('an except outside its cidr, and a block that reaches 169.254.169.254 or fd00:ec2::254', () => {
    const chart = Testing.chart();
    new SecretsEgressPolicy(chart, 'P', {
      policyName: 'p',
      podLabels: { app: 'a' },
      egress: [
        { purpose: 'dns', peers: [{ kind: 'pods', namespace: 'kube-system', podLabels: {} }], ports: [{ port: 53, protocol: 'UDP' }] },
        { purpose: 'web', peers: [{ kind: 'cidr', cidr: '10.0.0.0/8', except: ['192.168.0.0/16'] }], ports: [{ port: 443, protocol: 'TCP' }] },
        { purpose: 'everything', peers: [{ kind: 'cidr', cidr: '0.0.0.0/0', except: [] }, { kind: 'cidr', cidr: '::/0', except: ['fe80::/10'] }], ports: [{ port: 80, protocol: 'TCP' }] },
      ],
    });
    const errors = validationErrors(chart);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/NetworkPolicy "p", web: except "192\.168\.0\.0\/16" is not strictly inside "10\.0\.0\.0\/8"/),
        expect.stringMatching(/NetworkPolicy "p", everything: "0\.0\.0\.0\/0" lets the pods reach 169\.254\.169\.254/),
        expect.stringMatching(/NetworkPolicy "p", everything: "::\/0" lets the pods reach fd00:ec2::254/),
      ]),
    );
  });
});
