/**
 * Lists the workspace's publishable packages (packages/* whose package.json is not private) as JSON:
 * [{ "name": "@switchyard/core", "dir": "packages/core" }, ...]. Used by scripts/consumer-test.sh.
 */
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.argv[2] ?? '.');
const packages = fs
  .readdirSync(path.join(root, 'packages'), { withFileTypes: true })
  .filter(
    (entry) => entry.isDirectory() && fs.existsSync(path.join(root, 'packages', entry.name, 'package.json')),
  )
  .map((entry) => {
    const dir = `packages/${entry.name}`;
    const manifest = JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
    return { name: manifest.name, dir, private: manifest.private === true };
  })
  .filter((pkg) => !pkg.private)
  .map(({ name, dir }) => ({ name, dir }));
if (packages.length === 0) throw new Error(`no publishable package under ${root}/packages`);
console.log(JSON.stringify(packages));
