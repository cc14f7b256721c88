// Types of tools/app-deps.mjs (plain JavaScript, so that the image build runs it without TypeScript).
export function packageOf(specifier: string): string | undefined;
export function bundlePackages(
  metafile: { outputs: Record<string, { imports: { path: string; external?: boolean }[] }> },
  outfile: string,
  bundleText: string,
): string[];
export interface LockEntry {
  version?: string;
  link?: boolean;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  dependencies?: Record<string, string>;
  [key: string]: unknown;
}
export interface PackageLock {
  name?: string;
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
}
export interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
}
export function appManifest(
  app: string,
  packages: string[],
  rootPackage: PackageJson,
  rootLock: PackageLock,
): { packageJson: PackageJson; packageLock: PackageLock };
