// Writes the server's settings schema (`docwright settings --vscode`) into
// package.json's contributes.configuration, replacing the section with the
// same id. The server's tables are the one source; tests/docs.rs fails when
// package.json differs from them. Usage: npm run sync-settings [-- DOCWRIGHT]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const packagePath = path.join(here, '..', 'package.json');
const binary = process.argv[2] ?? path.join(here, '..', '..', '..', 'target', 'debug', 'docwright');
const section = JSON.parse(execFileSync(binary, ['settings', '--vscode'], { encoding: 'utf8' }));
const manifest = JSON.parse(fs.readFileSync(packagePath, 'utf8'));
const sections = manifest.contributes.configuration;
const at = sections.findIndex((s) => s.id === section.id);
if (at < 0) {
  sections.push(section);
} else {
  sections[at] = section;
}
fs.writeFileSync(packagePath, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`${packagePath}: ${Object.keys(section.properties).length} server settings`);
