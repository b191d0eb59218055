#!/usr/bin/env node
/**
 * Gives every publishable package (packages/* not private) what its npm tarball needs besides code:
 * a copy of the repository's LICENSE, a CHANGELOG.md for changesets to fill, both listed in "files",
 * and the shared metadata (author, homepage, repository with its folder, bugs). Idempotent; run it
 * after adding a package (`node scripts/sync-package-files.mjs`). Keywords differ per package, so a
 * package without any is reported, not invented. The consumer test checks the result in each tarball.
 */
import fs from 'node:fs';
import path from 'node:path';

const REPOSITORY = 'switchyard-js/switchyard';
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const license = fs.readFileSync(path.join(root, 'LICENSE'));
const missingKeywords = [];

for (const name of fs.readdirSync(path.join(root, 'packages')).sort()) {
  const dir = `packages/${name}`;
  const manifestPath = path.join(root, dir, 'package.json');
  if (!fs.existsSync(manifestPath)) continue;
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  if (manifest.private === true) continue;
  const changes = [];

  const licensePath = path.join(root, dir, 'LICENSE');
  if (!fs.existsSync(licensePath) || !fs.readFileSync(licensePath).equals(license)) {
    fs.writeFileSync(licensePath, license);
    changes.push('LICENSE');
  }
  const changelogPath = path.join(root, dir, 'CHANGELOG.md');
  if (!fs.existsSync(changelogPath)) {
    fs.writeFileSync(
      changelogPath,
      `# ${manifest.name}\n\nEvery release of this package, newest first. [Changesets](https://github.com/changesets/changesets)\n` +
        "writes the entries from the files in the repository's `.changeset/` folder when a release is versioned.\n",
    );
    changes.push('CHANGELOG.md');
  }

  const wanted = {
    license: 'MIT',
    author: 'The Switchyard authors',
    homepage: `https://github.com/${REPOSITORY}/tree/main/${dir}#readme`,
    repository: { type: 'git', url: `git+https://github.com/${REPOSITORY}.git`, directory: dir },
    bugs: { url: `https://github.com/${REPOSITORY}/issues` },
  };
  const next = {};
  for (const [key, value] of Object.entries(manifest)) {
    if (key in wanted) continue;
    next[key] = value;
    // The metadata goes right after the description, where npm users look for it.
    if (key === 'description' || (key === 'version' && !('description' in manifest)))
      Object.assign(next, wanted);
  }
  if (!('license' in next)) Object.assign(next, wanted);
  const files = next.files ?? [];
  next.files = [...files, ...['LICENSE', 'CHANGELOG.md'].filter((file) => !files.includes(file))];
  if (JSON.stringify(next) !== JSON.stringify(manifest)) {
    fs.writeFileSync(manifestPath, `${JSON.stringify(next, null, 2)}\n`);
    changes.push('package.json');
  }
  if (!Array.isArray(manifest.keywords) || manifest.keywords.length === 0) missingKeywords.push(dir);
  console.log(`${dir}: ${changes.length === 0 ? 'up to date' : `wrote ${changes.join(', ')}`}`);
}
if (missingKeywords.length > 0) {
  console.error(`add "keywords" to: ${missingKeywords.join(', ')}`);
  process.exitCode = 1;
}
