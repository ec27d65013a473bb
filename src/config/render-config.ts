import { Document, isMap, isScalar, isSeq, type Pair, type YAMLMap } from 'yaml';
import { deliveryOptions } from '../plan/plan';
import type { AragoraSecretsConfig } from '../config-kit/schema';
import { deliveryMethod } from '../delivery/registry';

const SECTIONS: Readonly<Record<string, string>> = {
  version: ' Config format version.',
  app: [
    ' The application whose secrets are managed. Its name is the base of every derived name:',
    ' ServiceAccount and Deployment <name>, Role <name>-secrets-reader, Secret <name>-secrets.',
  ].join('\n'),
  remoteKey: ' Default key of the secrets in an external store (ESO, Vault); secrets.<NAME>.remote overrides it.',
  stores: ' External Secrets Operator stores (vault, aws, gcpsm) that environments with `delivery: external` read from.',
  features: ' Feature flags and their default state; environments override them. A secret required by a\n disabled feature is not delivered there.',
  secrets: [
    ' The secret catalog, keyed by environment variable name: what each secret is for, when it is',
    ' required (always, recommended, optional, { oneOf: GROUP }, { tiers: [...] }, { environments: [...] },',
    ' { feature: NAME }) and where it lives in an external store (remote.key, remote.property).',
    ' Never put a value here: values go into .env, sealed/ or the secret store.',
  ].join('\n'),
  environments: [
    ' Deployment environments, keyed by name: each gets its namespace, its folder dist/<name>/ and a',
    ' delivery method (how the values reach the cluster: plain, sealed, external, vault).',
  ].join('\n'),
};

/**
 * The config as YAML with comments explaining each section, and the line that points editors'
 * YAML language server at the JSON Schema. Comments only: it parses back to `config`.
 */
export function renderConfigYaml(config: AragoraSecretsConfig, schemaPath: string): string {
  const doc = new Document(config);
  doc.commentBefore = [
    ` yaml-language-server: $schema=${schemaPath}`,
    '',
    ' aragora-secrets configuration: `aragora-secrets check` validates it, `aragora-secrets synth` (or',
    ' `npx cdk8s synth`) writes dist/<env>/ from it. Unknown keys are errors.',
  ].join('\n');
  const root = doc.contents as YAMLMap;
  for (const pair of root.items as Pair[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const comment = SECTIONS[key];
    if (!comment || !isScalar(pair.key)) continue;
    pair.key.commentBefore = comment;
    pair.key.spaceBefore = pair !== root.items[0];
  }
  // The short forms the docs use: `required: { oneOf: llm-provider }`, `remote: { property: anthropic }`.
  const secrets = root.get('secrets');
  if (isMap(secrets)) {
    for (const pair of secrets.items as Pair[]) {
      if (!isMap(pair.value)) continue;
      for (const field of ['required', 'remote']) {
        const node = pair.value.get(field, true);
        if (isMap(node) || isSeq(node)) node.flow = true;
      }
    }
  }
  const environments = root.get('environments');
  if (isMap(environments)) {
    for (const pair of environments.items as Pair[]) {
      if (!isScalar(pair.key)) continue;
      const name = String(pair.key.value);
      const env = config.environments[name];
      const method = deliveryOptions(env.delivery).method;
      pair.key.commentBefore = ` ${name}: ${env.tier} tier, delivery ${method}: ${deliveryMethod({ method }).description}.`;
      pair.key.spaceBefore = pair !== environments.items[0];
    }
  }
  return doc.toString({ lineWidth: 0 });
}
