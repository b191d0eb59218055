/**
 * CommonJS consumer: require()s every package (Node >= 22.12 loads ES modules through require()
 * when their graph has no top-level await). Prints one line per package and writes the report
 * given as argv[3]; exits 1 if any package fails, because the README promises that require() works.
 */
const fs = require('node:fs');

async function main() {
  const names = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const report = { node: process.version, results: [] };
  for (const name of names) {
    try {
      const exports = require(name);
      const keys = Object.keys(exports);
      if (keys.length === 0) throw new Error('require() returned a module with no exports');
      // One module instance for both loaders: no dual-package hazard (instanceof and error markers hold).
      if (exports !== (await import(name)))
        throw new Error('require() and import() returned different module instances');
      report.results.push({ name, ok: true, exports: keys.length });
      console.log(`consumer: require('${name}') works on Node ${process.version} (${keys.length} exports)`);
    } catch (error) {
      report.results.push({
        name,
        ok: false,
        code: error.code,
        message: String(error.message).split('\n')[0],
      });
      console.log(
        `consumer: require('${name}') FAILED on Node ${process.version}: ${error.code ?? ''} ${error.message}`,
      );
    }
  }
  fs.writeFileSync(process.argv[3], `${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = report.results.every((result) => result.ok) ? 0 : 1;
}
main();
