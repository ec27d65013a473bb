// cdk8s validation plugin (cdk8s.yaml `validations:`): runs the guard rails of src/rules over what
// `cdk8s synth` wrote. cdk8s-cli loads a local plugin by path (`./plugins/guard-rails`), with no
// install step: this file and its dependencies resolve from the project's own node_modules. The
// rules are TypeScript, loaded from the same cached esbuild bundle mechanism as the app
// (scripts/app.cjs), so nothing in the cdk8s-cli process is hooked and nothing is transpiled twice.
'use strict';
const { readFileSync } = require('node:fs');
const { loadBundled } = require('../../scripts/app.cjs');

const RULES = '../../src/rules';

function loadRules() {
  try {
    // A host that already loads TypeScript (the test runner) resolves the rules directly.
    return require(RULES);
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND' || !String(e.message).includes(RULES)) throw e;
    return loadBundled('src/rules/index.ts');
  }
}

class GuardRails {
  /** @param {{ rules?: string[] }} properties  `rules`: run only these (by name); default every rule. */
  constructor(properties = {}) {
    this.only = Array.isArray(properties.rules) ? properties.rules : undefined;
  }

  async validate(context) {
    const rules = loadRules();
    const rails = this.only ? rules.GUARD_RAILS.filter((r) => this.only.includes(r.name)) : rules.GUARD_RAILS;
    const files = context.manifests.map((path) => ({ path, content: readFileSync(path, 'utf8') }));
    const violations = rules.runGuardRails(rules.parseTree(files), rails);
    // cdk8s groups violations by rule: one entry per rule and message, each listing its resources.
    const grouped = new Map();
    for (const v of violations) {
      const key = `${v.rule}\u0000${v.message}\u0000${v.fix}`;
      if (!grouped.has(key)) grouped.set(key, { ruleName: v.rule, recommendation: v.message, fix: v.fix, violatingResources: [] });
      grouped.get(key).violatingResources.push({ resourceName: v.resource, manifestPath: v.file, locations: v.location ? [v.location] : [] });
    }
    for (const violation of grouped.values()) context.report.addViolation(violation);
    context.report.submit(violations.length === 0 ? 'success' : 'failure', {
      rules: String(rails.length),
      manifests: String(files.length),
      violations: String(violations.length),
    });
  }
}

module.exports = { GuardRails };
