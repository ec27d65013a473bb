import { CfnResource, Stack, Validations, type App } from 'aws-cdk-lib/core';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagMessageLevel, NagRuleCompliance, NIST80053R5Checks, PCIDSS321Checks, type IApplyRule, type NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { ALWAYS_ON_NAG_PACK, type NagPackName } from './plan';

/**
 * One cdk-nag rule on the resources of one environment, as the review report lists it: passed on
 * every resource it applies to, or acknowledged in the code (with the reason), or a warning.
 * Pure data: it is cached with the templates.
 */
export interface AwsControl {
  readonly pack: NagPackName;
  /** `AwsSolutions-S1`, `NIST.800.53.R5-IAMNoInlinePolicy`, with a finding suffix when the rule reports one (`[Action::kms:*]`). */
  readonly rule: string;
  readonly status: 'passed' | 'acknowledged' | 'warning';
  /** Construct paths below the stack (`Audit/Bucket`), sorted. */
  readonly resources: readonly string[];
  readonly reason?: string;
  /** The control IDs the pack names for the rule (NIST 800-53, PCI DSS or HIPAA); empty for AwsSolutions. */
  readonly controls: readonly string[];
  /** What the rule checks (the pack's text without the control IDs). */
  readonly check: string;
}

/** An unacknowledged error of an enabled pack: fails the synth. */
export interface NagViolation {
  readonly environment: string;
  readonly rule: string;
  readonly resource: string;
  readonly info: string;
  readonly fix: string;
}

interface Evaluation {
  readonly pack: NagPackName;
  readonly rule: string;
  readonly level: NagMessageLevel;
  readonly info: string;
  readonly explanation: string;
  readonly node: CfnResource;
  readonly environment: string;
}

type PackClass = new () => NagPack;
const PACKS: Readonly<Record<NagPackName, PackClass>> = {
  AwsSolutions: AwsSolutionsChecks,
  'NIST.800.53.R5': NIST80053R5Checks,
  'PCI.DSS.321': PCIDSS321Checks,
  'HIPAA.Security': HIPAASecurityChecks,
};

/**
 * Records a deliberate exception to cdk-nag rules on `scope` (the resource that breaks them), with
 * the reason a reviewer reads in `SECRETS.md`. Always on one resource, never on a stack or a pack.
 */
export function acknowledgeRules(scope: IConstruct, reason: string, ...rules: string[]): void {
  Validations.of(scope).acknowledge(...rules.map((id) => ({ id, reason })));
}

/** The AwsSolutions-IAM5 finding of a policy resource with a wildcard (`arn:...:log-stream:*`), as cdk-nag names it. */
export function wildcardResourceFinding(scope: IConstruct, resource: string): string {
  const resolved: unknown = Stack.of(scope).resolve(resource);
  if (typeof resolved !== 'string') throw new Error(`cannot name the cdk-nag finding of ${JSON.stringify(resolved)}: the ARN must be known at synth`);
  return `AwsSolutions-IAM5[Resource::${resolved}]`;
}

/** Every rule of `pack` (including a finding suffix), for acknowledging the same rule across packs. */
export function inEveryPack(rule: string, packs: readonly NagPackName[] = ['NIST.800.53.R5', 'PCI.DSS.321', 'HIPAA.Security']): string[] {
  return packs.map((pack) => `${pack}-${rule}`);
}

/**
 * The cdk-nag packs as aws-cdk-lib validation plugins on `app`, each recording what it evaluated.
 * `packsOf(environment)` says which packs apply to the stack of an environment: a pack that an
 * environment leaves out never looks at its resources. Call `results()` after `app.synth()`.
 */
export function addNagPlugins(app: App, packsOf: (environment: string) => readonly NagPackName[]): { results: () => NagResults } {
  const evaluations: Evaluation[] = [];
  const enabled = new Set<NagPackName>();
  const environments = new Map<IConstruct, string>();
  const environmentOf = (node: IConstruct): string => {
    const stack = Stack.of(node);
    let environment = environments.get(stack);
    if (environment === undefined) environments.set(stack, (environment = stack.node.id));
    return environment;
  };
  for (const stack of app.node.children.filter((c): c is Stack => Stack.isStack(c))) for (const pack of packsOf(stack.node.id)) enabled.add(pack);
  enabled.add(ALWAYS_ON_NAG_PACK);

  const plugins = [...enabled].sort().map((pack) => {
    // Every pack class is a concrete NagPack; one of them stands for the type.
    const Base = PACKS[pack] as unknown as typeof AwsSolutionsChecks;
    class RecordingPack extends Base {
      protected override applyRule(params: IApplyRule): void {
        const environment = environmentOf(params.node);
        if (!packsOf(environment).includes(pack) && pack !== ALWAYS_ON_NAG_PACK) return;
        const suffix = params.ruleSuffixOverride ?? params.rule.name;
        const rule = `${pack}-${suffix}`;
        super.applyRule({
          ...params,
          ruleSuffixOverride: suffix,
          rule: (node) => {
            let result: ReturnType<IApplyRule['rule']>;
            try {
              result = params.rule(node);
            } catch (error) {
              // cdk-nag counts a rule that cannot evaluate as broken: so does the report.
              evaluations.push({ pack, rule, level: params.level, info: params.info, explanation: params.explanation, node, environment });
              throw error;
            }
            const record = (ruleId: string, compliant: boolean) =>
              evaluations.push({ pack, rule: ruleId, level: compliant ? NagMessageLevel.INFO : params.level, info: params.info, explanation: params.explanation, node, environment });
            if (Array.isArray(result)) {
              if (result.length === 0) record(rule, true);
              for (const finding of result) record(`${rule}[${finding}]`, false);
            } else if (result !== NagRuleCompliance.NOT_APPLICABLE) {
              record(rule, result === NagRuleCompliance.COMPLIANT);
            }
            return result;
          },
        });
      }
    }
    return new RecordingPack();
  });
  Validations.of(app).addPlugins(...plugins);
  return { results: () => summarize(evaluations) };
}

export interface NagResults {
  /** By environment. */
  readonly controls: Readonly<Record<string, readonly AwsControl[]>>;
  readonly violations: readonly NagViolation[];
}

function summarize(evaluations: readonly Evaluation[]): NagResults {
  const groups = new Map<string, { pack: NagPackName; rule: string; status: AwsControl['status']; reason?: string; resources: Set<string>; info: string; environment: string }>();
  const violations: NagViolation[] = [];
  for (const e of evaluations) {
    const resource = resourcePath(e.node);
    let status: AwsControl['status'] = 'passed';
    let reason: string | undefined;
    if (e.level !== NagMessageLevel.INFO) {
      reason = acknowledgement(e.node, e.rule);
      if (reason !== undefined) status = 'acknowledged';
      else if (e.level === NagMessageLevel.ERROR) {
        violations.push({ environment: e.environment, rule: e.rule, resource, info: e.info, fix: e.explanation });
        continue;
      } else status = 'warning';
    }
    const key = [e.environment, e.rule, status, reason ?? ''].join('\0');
    const group = groups.get(key) ?? { pack: e.pack, rule: e.rule, status, reason, resources: new Set<string>(), info: e.info, environment: e.environment };
    group.resources.add(resource);
    groups.set(key, group);
  }
  const controls: Record<string, AwsControl[]> = {};
  for (const g of groups.values()) {
    const { check, ids } = splitControlIds(g.info);
    (controls[g.environment] ??= []).push({ pack: g.pack, rule: g.rule, status: g.status, resources: [...g.resources].sort(), ...(g.reason !== undefined ? { reason: g.reason } : {}), controls: ids, check });
  }
  for (const list of Object.values(controls)) list.sort((a, b) => compare(`${a.rule}\0${a.status}\0${a.reason ?? ''}`, `${b.rule}\0${b.status}\0${b.reason ?? ''}`));
  violations.sort((a, b) => compare(`${a.environment}\0${a.rule}\0${a.resource}`, `${b.environment}\0${b.rule}\0${b.resource}`));
  return { controls, violations };
}

/** The synth error of one violation: the rule, the resource and the fix. */
export function violationMessage(v: NagViolation): string {
  const { check, ids } = splitControlIds(v.info);
  const controls = ids.length > 0 ? ` (controls ${ids.slice(0, 4).join(', ')}${ids.length > 4 ? ', …' : ''})` : '';
  return (
    `[${v.environment}/${v.resource}] cdk-nag ${v.rule}: ${check.replace(/\.$/, '')}${controls}. Fix: ${v.fix} ` +
    `If it is deliberate, acknowledge it where the resource is made, with the reason: acknowledgeRules(resource, '<reason>', '${v.rule}').`
  );
}

/** The reason `rule` was acknowledged on `node` or one of its scopes (cdk-nag's own lookup), if it was. */
function acknowledgement(node: IConstruct, rule: string): string | undefined {
  for (let current: IConstruct | undefined = node; current; current = current.node.scope) {
    for (const entry of current.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        if (id.replace(/^annotation::/i, '') === rule) return String(reason);
      }
    }
  }
  return undefined;
}

/** `prod/Audit/Bucket/Resource` → `Audit/Bucket`. */
function resourcePath(node: CfnResource): string {
  const stack = Stack.of(node);
  return node.node.scopes
    .slice(node.node.scopes.indexOf(stack) + 1)
    .map((s) => s.node.id)
    .filter((id) => id !== 'Resource' && id !== 'Default')
    .join('/');
}

/** `The trail ... - (Control IDs: AU-9(3), SC-13).` → the text and the IDs. */
export function splitControlIds(info: string): { check: string; ids: string[] } {
  const match = /^(.*?)\s*-?\s*\(Control IDs?: (.*)\)\.?\s*$/s.exec(info);
  if (!match) return { check: info.trim(), ids: [] };
  return { check: match[1].trim().replace(/[.\s-]+$/, ''), ids: match[2].split(/,\s*/).map((id) => id.trim()).filter((id) => id.length > 0) };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
