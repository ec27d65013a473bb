import { ApiObject, type GroupVersionKind } from 'cdk8s';
import type { Construct } from 'constructs';

/**
 * An API object made from props that are already its Kubernetes JSON, typed by the props of its L1 class:
 * for kinds whose props and JSON use the same keys, in alphabetical order (Secret, SealedSecret,
 * VaultStaticSecret, ExternalSecret). cdk8s sorts the keys and drops empty values, and the L1 class then
 * writes its fields in that same order, so the JSON is the same (test/json-props-object.test.ts compares).
 *
 * It is made without the L1 class because the classes `cdk8s import` generates convert every map of the
 * props by spreading it once per key: a Secret of N keys costs N²/2 property copies (28 ms for 500 keys,
 * 4.9 s for 5,000, 115 s for 20,000), and a catalog's Secret holds one key per variable. Lists are
 * converted in linear time, but walked once more, entry by entry (an ExternalSecret's thousands of `data`).
 */
export function jsonPropsObject<Props extends object>(scope: Construct, id: string, gvk: GroupVersionKind, props: Props): ApiObject {
  return new ApiObject(scope, id, { ...gvk, ...props });
}
