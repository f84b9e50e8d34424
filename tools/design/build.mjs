// Builds the app's GOV.UK Frontend CSS: `npm ci && npm run build` in tools/design.
// Writes the minified CSS and the package's licence next to each other in the app's
// static files, so the app itself needs no npm and makes no external requests.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "src", "therapycheck", "web", "static", "therapycheck");
const pkg = JSON.parse(readFileSync(join(here, "node_modules", "govuk-frontend", "package.json"), "utf8"));

const result = sass.compile(join(here, "src", "therapycheck.scss"), {
  loadPaths: [join(here, "node_modules")],
  style: "compressed",
  // The package's own deprecation notes are for its maintainers, not this build.
  quietDeps: true,
  // No byte-order mark: the banner goes first, and @charset says the encoding instead.
  charset: false,
});
if (/@font-face|GDS Transport|url\(/.test(result.css)) {
  throw new Error("The build must not load a font or any other file: check the settings.");
}
const banner = `@charset "UTF-8";\n/*! GOV.UK Frontend ${pkg.version} (MIT, see govuk-frontend-LICENSE.txt), built for therapycheck by tools/design/build.mjs: system fonts, no external files. */\n`;
writeFileSync(join(out, "govuk-frontend.min.css"), banner + result.css + "\n");
copyFileSync(join(here, "LICENSE-govuk-frontend.txt"), join(out, "govuk-frontend-LICENSE.txt"));
console.log(`govuk-frontend ${pkg.version}: ${result.css.length} bytes -> ${out}`);
