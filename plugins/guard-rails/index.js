// cdk8s validation plugin (cdk8s.yaml `validations:`): runs the checks of src/checks (the same rules,
// and the same engine, as synth and `aragora-secrets check`) over what `cdk8s synth` wrote. cdk8s-cli
// loads a local plugin by path (`./plugins/guard-rails`), with no install step: this file and its
// dependencies resolve from the project's own node_modules. The checks are TypeScript, loaded from the
// same cached esbuild bundle mechanism as the app (scripts/app.cjs), so nothing in the cdk8s-cli
// process is hooked and nothing is transpiled twice.
'use strict';
const { loadBundled } = require('../../scripts/app.cjs');

const CHECKS = '../../src/validation-plugin';

function loadChecks() {
  try {
    // A host that already loads TypeScript (the test runner) resolves the checks directly.
    return require(CHECKS);
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND' || !String(e.message).includes(CHECKS)) throw e;
    return loadBundled('src/validation-plugin.ts');
  }
}

class GuardRails {
  /** @param {{ rules?: string[] }} properties  `rules`: run only these (by id); default every rule. */
  constructor(properties = {}) {
    this.only = Array.isArray(properties.rules) ? properties.rules : undefined;
  }

  async validate(context) {
    const { checkWrittenOutput } = loadChecks();
    const result = checkWrittenOutput(context.manifests, { cwd: process.cwd(), env: process.env, only: this.only });
    if (result.note) context.logger?.log(`guard-rails: ${result.note}`);
    // cdk8s groups violations by rule: one entry per rule and message, each listing its resources.
    // It knows no severities: a warning is listed, marked as such, and does not fail the run.
    const grouped = new Map();
    for (const f of result.findings) {
      const recommendation = f.severity === 'warning' ? `(warning) ${f.message}` : f.message;
      const key = `${f.rule}\u0000${recommendation}\u0000${f.fix}`;
      if (!grouped.has(key)) grouped.set(key, { ruleName: f.rule, recommendation, fix: f.fix, violatingResources: [] });
      grouped.get(key).violatingResources.push({ resourceName: f.resource, manifestPath: f.file, locations: f.location ? [f.location] : [] });
    }
    for (const violation of grouped.values()) context.report.addViolation(violation);
    const errors = result.findings.filter((f) => f.severity === 'error').length;
    context.report.submit(errors === 0 ? 'success' : 'failure', {
      rules: String(result.rules.length),
      manifests: String(context.manifests.length),
      files: String(result.files),
      violations: String(errors),
      warnings: String(result.findings.length - errors),
    });
  }
}

module.exports = { GuardRails };
