import type { CloudResolver } from '../plan/plan';
import { awsCloud } from './aws/cloud';
import { gcpCloud } from './gcp/cloud';

/** The clouds an environment may target, in the order their parts are resolved (AWS's ESO role first). */
export const clouds: readonly CloudResolver[] = [awsCloud, gcpCloud];
