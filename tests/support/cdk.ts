/** What the infra tests need to synthesize the app as `cdk synth` does, and to read it back. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';

const REPO_ROOT = path.join(import.meta.dirname, '..', '..');

/** The context cdk.json gives the real app (its feature flags), so a test synthesizes the same. */
export function cdkAppContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/**
 * A function that replaces every cross-stack reference (`Fn::GetStackOutput`) in a value of the
 * stateless template with what `stateful` outputs, so assertions compare real names and ARNs.
 * A reference to any other stack fails.
 */
export function followStatefulOutputs(
  stateful: Stack,
  statefulTemplate: Template,
): (value: unknown) => unknown {
  const follow = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(follow);
    if (value && typeof value === 'object') {
      const reference = (value as Record<string, unknown>)['Fn::GetStackOutput'] as
        | { StackName: string; OutputName: string }
        | undefined;
      if (reference) {
        if (reference.StackName !== stateful.stackName) {
          throw new Error(`a reference to ${reference.StackName}, not ${stateful.stackName}`);
        }
        const outputs = statefulTemplate.toJSON().Outputs as Record<string, { Value: unknown }>;
        return outputs[reference.OutputName]?.Value;
      }
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, follow(inner)]));
    }
    return value;
  };
  return follow;
}
