import { UserError } from '../core/errors';

/** A command used the wrong way (exit code 2), as opposed to bad input (exit code 1). */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
