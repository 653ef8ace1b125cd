/**
 * The esbuild settings of every Lambda bundle, shared by NodeFunction (the stack) and
 * `npm run bench:bundles`, so what the bench measures is what gets deployed.
 */
import path from 'node:path';
import type { BuildOptions } from 'esbuild';

/** The newest Node.js runtime aws-cdk-lib offers; the bundle targets the same version. */
export const BUNDLE_TARGET = 'node24';

/**
 * Some bundled CommonJS dependencies call `require` (for Node built-ins); an ESM bundle has no
 * `require`, so the bundle defines one. The alias keeps clear of any `createRequire` in the code.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __newsAlertsCreateRequire } from 'node:module';" +
  'const require = __newsAlertsCreateRequire(import.meta.url);';

/**
 * Packages replaced at bundle time. xml2js loads xmlbuilder only for writing XML, which no
 * function does (see xmlbuilder-stub.cjs).
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  xmlbuilder: path.join(import.meta.dirname, 'xmlbuilder-stub.cjs'),
};

/**
 * Non-ASCII text (the Russian and Persian lexicons, stemmers and topic queries) stays UTF-8 in the
 * bundle: esbuild's default escapes each such character as `\uXXXX`, three times its size.
 */
export const BUNDLE_CHARSET = 'utf8' as const;

/**
 * The same settings as esbuild's own options, for building a bundle outside CDK as NodeFunction
 * builds it (`npm run bench:bundles`, the bundle tests): add `entryPoints` and `outfile`.
 */
export const LAMBDA_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: BUNDLE_TARGET,
  charset: BUNDLE_CHARSET,
  alias: { ...BUNDLE_ALIASES },
  mainFields: ['module', 'main'],
  minify: true,
  banner: { js: ESM_REQUIRE_BANNER },
  // The runtime's AWS SDK v3 is used, as NodeFunction's `bundleAwsSDK: false` says.
  external: ['@aws-sdk/*'],
  logLevel: 'error',
} satisfies BuildOptions;
