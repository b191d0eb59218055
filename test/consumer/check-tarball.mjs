/**
 * Checks one unpacked `pnpm pack` tarball against what an npm user and the registry expect:
 * the repository's LICENSE byte for byte, a README and a CHANGELOG, complete metadata pointing at
 * the package's folder, no `workspace:` range left behind, and built files for every export.
 * Usage: node check-tarball.mjs <repo root> <package dir, e.g. packages/core> <unpacked package/ dir>
 */
import fs from 'node:fs';
import path from 'node:path';

const REPOSITORY = 'switchyard-js/switchyard';
const [root, dir, unpacked] = process.argv
  .slice(2)
  .map((arg, index) => (index === 1 ? arg : path.resolve(arg)));
const manifest = JSON.parse(fs.readFileSync(path.join(unpacked, 'package.json'), 'utf8'));
const problems = [];
const problem = (text) => problems.push(text);

const license = path.join(unpacked, 'LICENSE');
if (!fs.existsSync(license)) problem('LICENSE is missing from the tarball');
else if (!fs.readFileSync(license).equals(fs.readFileSync(path.join(root, 'LICENSE'))))
  problem("LICENSE differs from the repository's LICENSE");
for (const file of ['README.md', 'CHANGELOG.md'])
  if (!fs.existsSync(path.join(unpacked, file))) problem(`${file} is missing from the tarball`);

if (manifest.license !== 'MIT') problem(`"license" is ${JSON.stringify(manifest.license)}, expected "MIT"`);
if (typeof manifest.author !== 'string' || manifest.author === '') problem('"author" is missing');
if (typeof manifest.description !== 'string' || manifest.description === '')
  problem('"description" is missing');
if (!Array.isArray(manifest.keywords) || manifest.keywords.length === 0)
  problem('"keywords" is missing or empty');
const repository = manifest.repository ?? {};
if (repository.url !== `git+https://github.com/${REPOSITORY}.git`)
  problem(`"repository.url" is ${JSON.stringify(repository.url)}`);
if (repository.directory !== dir)
  problem(`"repository.directory" is ${JSON.stringify(repository.directory)}, expected "${dir}"`);
if (manifest.homepage !== `https://github.com/${REPOSITORY}/tree/main/${dir}#readme`)
  problem(`"homepage" is ${JSON.stringify(manifest.homepage)}`);
if (manifest.bugs?.url !== `https://github.com/${REPOSITORY}/issues`)
  problem(`"bugs.url" is ${JSON.stringify(manifest.bugs?.url)}`);

for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
  for (const [name, range] of Object.entries(manifest[field] ?? {})) {
    if (String(range).startsWith('workspace:'))
      problem(`${field}.${name} is still "${range}" (pack with pnpm, not npm)`);
  }
}

/** Every file an export condition points at must be in the tarball. */
function targets(value) {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(targets);
  return [];
}
for (const target of targets(manifest.exports)) {
  if (!target.includes('*') && !fs.existsSync(path.join(unpacked, target)))
    problem(`exports target ${target} is not in the tarball`);
}

if (problems.length > 0) {
  for (const text of problems) console.error(`consumer: ${manifest.name}: ${text}`);
  console.error(
    'consumer: `node scripts/sync-package-files.mjs` adds the LICENSE, CHANGELOG.md, "files" entries and metadata',
  );
  process.exit(1);
}
console.log(
  `consumer: ${manifest.name}: tarball has LICENSE, README.md, CHANGELOG.md, complete metadata and every export target`,
);
