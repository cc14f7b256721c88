// What one app bundle needs at run time, for its image (apps/<app>/Dockerfile): the npm packages the
// bundle imports, read from esbuild's metafile, at the root lockfile's versions, and that lockfile cut
// down to those packages and everything they depend on. `npm ci` from the pair installs exactly the
// locked versions, and nothing the bundle never loads (ingest images get no ioredis, no ClickHouse client).
import { builtinModules } from 'node:module';

const BUILTINS = new Set(builtinModules);

/** The package a bare import specifier loads ('@scope/name/sub' -> '@scope/name'); undefined for Node built-ins and relative paths. */
export function packageOf(specifier) {
  if (specifier.startsWith('node:') || specifier.startsWith('.') || specifier.startsWith('/')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return BUILTINS.has(name) ? undefined : name;
}

/**
 * The npm packages one bundle loads, sorted: the imports (static or dynamic) esbuild's metafile lists for
 * the output file, and the packages it loads through a require function of its own (`createRequire`, as
 * libs/kafka does for kafkajs): esbuild leaves those calls alone and its metafile does not list them, so
 * they are read from the bundle's text, where such a call keeps its literal name (`require2("kafkajs")`).
 */
export function bundlePackages(metafile, outfile, bundleText) {
  const output = metafile.outputs[outfile];
  if (!output) throw new Error(`${outfile} is not in the metafile (outputs: ${Object.keys(metafile.outputs).join(', ')})`);
  const imported = output.imports.filter((i) => i.external).map((i) => i.path);
  const required = [...bundleText.matchAll(/\brequire\d*(?:\.resolve)?\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]);
  return [...new Set([...imported, ...required].map(packageOf).filter(Boolean))].sort();
}

/** Where npm's resolution finds `name` from the package installed at `from` ('' is the root): its own node_modules, then each parent's. */
function resolveInLock(lockPackages, from, name) {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (lockPackages[candidate]) return candidate;
    if (!base) return undefined;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent < 0 ? '' : base.slice(0, parent);
  }
}

/**
 * The package.json and package-lock.json of one app's production install: `packages` at the versions of
 * the root lockfile, which must list them as production dependencies (a bundle importing a dev dependency
 * or an undeclared package would fail in its image, so that fails the build instead).
 */
export function appManifest(app, packages, rootPackage, rootLock) {
  const lockPackages = rootLock.packages;
  const dependencies = {};
  for (const name of packages) {
    if (!rootPackage.dependencies?.[name]) {
      const where = rootPackage.devDependencies?.[name] ? 'a devDependency' : 'not a dependency';
      throw new Error(`${app} imports ${name}, which is ${where} of package.json: images install dependencies only`);
    }
    const entry = lockPackages[`node_modules/${name}`];
    if (!entry?.version || entry.link)
      throw new Error(`${app} imports ${name}, which package-lock.json does not lock to a registry version`);
    dependencies[name] = entry.version;
  }

  // Every lockfile entry reachable from those packages, following what npm installs: dependencies,
  // optional dependencies when locked (an optional one for another platform is absent) and non-optional peers.
  const kept = {};
  const queue = packages.map((name) => `node_modules/${name}`);
  while (queue.length > 0) {
    const path = queue.shift();
    if (kept[path]) continue;
    const entry = lockPackages[path];
    kept[path] = entry;
    const optionalPeers = new Set(
      Object.entries(entry.peerDependenciesMeta ?? {})
        .filter(([, m]) => m.optional)
        .map(([n]) => n),
    );
    const wanted = [
      ...Object.keys(entry.dependencies ?? {}).map((n) => [n, true]),
      ...Object.keys(entry.peerDependencies ?? {})
        .filter((n) => !optionalPeers.has(n))
        .map((n) => [n, true]),
      ...Object.keys(entry.optionalDependencies ?? {}).map((n) => [n, false]),
    ];
    for (const [name, required] of wanted) {
      const found = resolveInLock(lockPackages, path, name);
      if (found) queue.push(found);
      else if (required) throw new Error(`package-lock.json has no ${name} for ${path}`);
    }
  }

  const name = `klineflow-${app}`;
  const packageJson = { name, version: rootPackage.version, private: true, type: 'module', dependencies };
  const lockEntries = Object.fromEntries(
    Object.keys(kept)
      .sort()
      .map((path) => {
        // Dev flags describe the root tree; here every entry is production. One optional in the root tree
        // is reached only through optional edges, so it stays optional here.
        const { dev, devOptional, peer, ...entry } = kept[path];
        return [path, devOptional ? { ...entry, optional: true } : entry];
      }),
  );
  const packageLock = {
    name,
    version: rootPackage.version,
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name, version: rootPackage.version, dependencies }, ...lockEntries },
  };
  return { packageJson, packageLock };
}
