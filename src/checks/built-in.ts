import { appStrictModeCloudRun, appStrictModeEnvSecret } from './app-contract';
import { workloadSecretsConsistent } from './consistency';
import { environmentIsolation } from './isolation';
import { noCredentialShapes, noSecretValues } from './leak';
import { egressAllowsDns, egressBlocksMetadata } from './network';
import { noClusterWideSecretAccess, noRbacWildcards, secretAccessGetOnly, secretRoleHasUser } from './rbac';
import { readableManifests } from './readable';
import type { Rule } from './types';

/** The rules that hold for every output, whatever the delivery method; each method adds its own (`DeliveryMethod.checks`). */
export const BUILT_IN_RULES: readonly Rule[] = [
  readableManifests,
  noCredentialShapes,
  noSecretValues,
  secretAccessGetOnly,
  noClusterWideSecretAccess,
  noRbacWildcards,
  secretRoleHasUser,
  egressAllowsDns,
  egressBlocksMetadata,
  workloadSecretsConsistent,
  environmentIsolation,
  appStrictModeEnvSecret,
  appStrictModeCloudRun,
];
