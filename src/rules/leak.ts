import { findLeaks } from '../output/leak-guard';
import { describe } from './tree';
import type { GuardRail, Violation } from './types';

const WHERE_VALUES_BELONG =
  'remove it from the config or the construct that wrote it: values belong in .env (`aragora-secrets render`), sealed/ (`aragora-secrets seal`) or the secret store';

/** The leak guard as a rule: well-known credential shapes anywhere in any file (as text, or inside base64). */
export const noCredentialShapes: GuardRail = {
  name: 'no-credential-shapes',
  description: 'no file holds something shaped like a known credential (API keys, tokens, JWTs, private keys), also inside base64',
  check: (tree) =>
    findLeaks(tree.files, []).map((leak) => {
      const objects = tree.objects.filter((o) => o.file === leak.file);
      return {
        rule: 'no-credential-shapes',
        resource: objects.length === 1 ? describe(objects[0].object) : leak.file,
        file: leak.file,
        message: `holds ${leak.what}`,
        fix: WHERE_VALUES_BELONG,
      };
    }),
};

/** A Secret object with values in a committed tree is a leak whatever the values look like. */
export const noSecretValues: GuardRail = {
  name: 'no-secret-values',
  description: 'no Secret object carries data or stringData (the output is committed)',
  check: (tree) => {
    const out: Violation[] = [];
    for (const { file, object } of tree.objects) {
      if (object.kind !== 'Secret' || object.apiVersion !== 'v1') continue;
      for (const field of ['data', 'stringData'] as const) {
        const keys = Object.keys(object[field] ?? {});
        if (keys.length === 0) continue;
        out.push({
          rule: 'no-secret-values',
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
