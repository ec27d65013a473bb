import { findLeaks } from '../output/leak-guard';
import { describe } from './objects';
import type { Problem, Rule } from './types';

const WHERE_VALUES_BELONG =
  'remove it from the config or the construct that wrote it: values belong in .env (`aragora-secrets render`), sealed/ (`aragora-secrets seal`) or the secret store';

/** The leak guard as a rule: well-known credential shapes anywhere in any file (as text, or inside base64). */
export const noCredentialShapes: Rule = {
  id: 'no-credential-shapes',
  phase: 'files',
  severity: 'error',
  what: 'anything shaped like a known credential (API keys, tokens, JWTs, private keys) in any file, also inside base64',
  why: 'the output folder is committed: a value in it is in the repository\'s history for good',
  fix: WHERE_VALUES_BELONG,
  check: ({ tree }) =>
    findLeaks(tree.files, []).map((leak) => {
      const objects = tree.objects.filter((o) => o.file === leak.file);
      return {
        resource: objects.length === 1 ? describe(objects[0].object) : leak.file,
        file: leak.file,
        message: `holds ${leak.what}`,
        fix: WHERE_VALUES_BELONG,
      };
    }),
};

/** A Secret object with values in a committed tree is a leak whatever the values look like. */
export const noSecretValues: Rule = {
  id: 'no-secret-values',
  phase: 'objects',
  severity: 'error',
  what: 'a `Secret` with `data` or `stringData` in the committed output',
  why: 'the output folder is committed: the values would be in the repository, whatever they look like',
  fix: 'deliver the values (sealed, external or vault delivery), or create the Secret at deploy time (`aragora-secrets render`)',
  check: ({ tree }) => {
    const out: Problem[] = [];
    for (const { file, object } of tree.objects) {
      if (object.kind !== 'Secret' || object.apiVersion !== 'v1') continue;
      for (const field of ['data', 'stringData'] as const) {
        const keys = Object.keys(object[field] ?? {});
        if (keys.length === 0) continue;
        out.push({
          resource: describe(object),
          file,
          location: field,
          message: `carries values in ${field} (${keys.sort().join(', ')}), and this folder is committed`,
          fix: 'deliver the values with sealed, external or vault delivery, or create the Secret at deploy time: `aragora-secrets render --env ENV | kubectl apply --server-side -f -`',
        });
      }
    }
    return out;
  },
};
