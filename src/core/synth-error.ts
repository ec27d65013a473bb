import type { IConstruct } from 'constructs';
import { UserError } from './errors';

/** Construct validation errors (cdk8s and aws-cdk-lib alike), as one error that writes nothing. */
export class SynthError extends UserError {
  constructor(public readonly errors: readonly string[]) {
    super([`Synthesis failed (${errors.length === 1 ? '1 error' : `${errors.length} errors`}; nothing was written):`, ...errors.map((e) => `  - ${e}`)].join('\n'));
    this.name = 'SynthError';
  }
}

/** Every construct validation error in the tree under `root`, with the construct's path. */
export function validationErrors(root: IConstruct): string[] {
  return root.node.findAll().flatMap((c) => c.node.validate().map((message) => `[${c.node.path}] ${message}`));
}

