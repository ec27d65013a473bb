import { cachedByBuild } from '../../core/build-cache';

/**
 * aws-cdk-lib's region table, for config validation and for the plan's input (the plan itself
 * loads no library and reads no cache: the caller hands it the table).
 */
let regionTable: { names: string[]; partitions: Map<string, string> } | undefined;

/** The regions aws-cdk-lib knows, with their partitions (loaded on first use: only AWS environments need them). */
export function knownRegions(): { names: string[]; partitions: Map<string, string> } {
  if (!regionTable) {
    const regions = cachedByBuild('aws-regions', '', () => {
      const { RegionInfo } = require('aws-cdk-lib/region-info') as typeof import('aws-cdk-lib/region-info');
      return RegionInfo.regions.map((r) => [r.name, r.partition ?? 'aws'] as [string, string]);
    });
    regionTable = { names: regions.map(([name]) => name).sort(), partitions: new Map(regions) };
  }
  return regionTable;
}

/** The partition of a region aws-cdk-lib knows (`aws`, `aws-cn`...). */
export function partitionOf(region: string): string {
  const known = knownRegions().partitions.get(region);
  if (!known) throw new Error(`unknown AWS region "${region}" reached the plan (config validation should have rejected it)`);
  return known;
}
