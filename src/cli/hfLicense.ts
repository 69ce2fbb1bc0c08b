/**
 * Hugging Face license identifiers (the `license:` values the Hub offers) that are not simply an SPDX id in another
 * case. Creative Commons ids follow one rule (upper-cased) and are handled apart; licenses with no SPDX id get a
 * `LicenseRef-` name that says which license it is.
 */
const HF_TO_SPDX: Record<string, string> = {
  "apache-2.0": "Apache-2.0",
  mit: "MIT",
  "afl-3.0": "AFL-3.0",
  "artistic-2.0": "Artistic-2.0",
  "bsl-1.0": "BSL-1.0",
  "bsd-2-clause": "BSD-2-Clause",
  "bsd-3-clause": "BSD-3-Clause",
  "bsd-3-clause-clear": "BSD-3-Clause-Clear",
  "c-uda": "C-UDA-1.0",
  "cdla-permissive-1.0": "CDLA-Permissive-1.0",
  "cdla-permissive-2.0": "CDLA-Permissive-2.0",
  "cdla-sharing-1.0": "CDLA-Sharing-1.0",
  "ecl-2.0": "ECL-2.0",
  "epl-1.0": "EPL-1.0",
  "epl-2.0": "EPL-2.0",
  "eupl-1.1": "EUPL-1.1",
  "eupl-1.2": "EUPL-1.2",
  "agpl-3.0": "AGPL-3.0-only",
  "gpl-2.0": "GPL-2.0-only",
  "gpl-3.0": "GPL-3.0-only",
  "lgpl-2.1": "LGPL-2.1-only",
  "lgpl-3.0": "LGPL-3.0-only",
  "lgpl-lr": "LGPL-LR",
  isc: "ISC",
  "lppl-1.3c": "LPPL-1.3c",
  "mpl-2.0": "MPL-2.0",
  "ms-pl": "MS-PL",
  ncsa: "NCSA",
  odbl: "ODbL-1.0",
  "odc-by": "ODC-By-1.0",
  "ofl-1.1": "OFL-1.1",
  "osl-3.0": "OSL-3.0",
  pddl: "PDDL-1.0",
  postgresql: "PostgreSQL",
  unlicense: "Unlicense",
  wtfpl: "WTFPL",
  zlib: "Zlib",
  // RAIL licenses: CreativeML's is on the SPDX list; the BigScience ones and the generic OpenRAIL are not.
  "creativeml-openrail-m": "CreativeML-OpenRAIL-M",
  "bigscience-openrail-m": "LicenseRef-BigScience-OpenRAIL-M",
  "bigscience-bloom-rail-1.0": "LicenseRef-BigScience-BLOOM-RAIL-1.0",
  openrail: "LicenseRef-OpenRAIL",
  "openrail++": "LicenseRef-OpenRAIL-plus-plus",
  // Model vendors' own licenses.
  llama2: "LicenseRef-Llama-2-Community",
  llama3: "LicenseRef-Llama-3-Community",
  "llama3.1": "LicenseRef-Llama-3.1-Community",
  "llama3.2": "LicenseRef-Llama-3.2-Community",
  "llama3.3": "LicenseRef-Llama-3.3-Community",
  llama4: "LicenseRef-Llama-4-Community",
  gemma: "LicenseRef-Gemma-Terms-of-Use",
  "deepfloyd-if-license": "LicenseRef-DeepFloyd-IF",
  "apple-ascl": "LicenseRef-Apple-ASCL",
  "apple-amlr": "LicenseRef-Apple-AMLR",
  "intel-research": "LicenseRef-Intel-Research",
};

/** HF ids that map to an SPDX id whose version HF leaves implicit: said in the notes. */
const ONLY_VARIANTS = new Set(["agpl-3.0", "gpl-2.0", "gpl-3.0", "lgpl-2.1", "lgpl-3.0"]);

export type SpdxLicense = {
  /** An SPDX identifier or `LicenseRef-...`; "" when the card gives none. */
  spdx: string;
  /** One line for the user when the mapping was a guess or nothing was found. */
  note?: string;
};

/** The characters SPDX allows after `LicenseRef-`: letters, digits, `.` and `-`. */
const licenseRef = (name: string): string =>
  `LicenseRef-${
    name
      .trim()
      .replace(/[^A-Za-z0-9.-]+/g, "-")
      .replace(/^-+|-+$/g, "") || "unnamed"
  }`;

/**
 * A model card's `license` (and `license_name` for `license: other`) as an SPDX identifier.
 *
 * @example
 * spdxOfHfLicense("llama3.1"); // { spdx: "LicenseRef-Llama-3.1-Community" }
 * spdxOfHfLicense("other", "qwen"); // { spdx: "LicenseRef-qwen" }
 */
export function spdxOfHfLicense(license: string | undefined, licenseName?: string): SpdxLicense {
  if (license === undefined || license.trim() === "")
    return { spdx: "", note: "license: the card names none, so the registration carries none (pass --license)" };
  const id = license.trim().toLowerCase();
  if (id === "other") {
    if (licenseName === undefined || licenseName.trim() === "")
      return {
        spdx: "LicenseRef-other",
        note: "license other without license_name -> LicenseRef-other (pass --license to name it)",
      };
    return {
      spdx: licenseRef(licenseName),
      note: `license other (license_name ${licenseName}) -> ${licenseRef(licenseName)}`,
    };
  }
  const known = HF_TO_SPDX[id];
  if (known !== undefined) {
    if (ONLY_VARIANTS.has(id))
      return { spdx: known, note: `license ${id} -> ${known} (the card does not say "or later")` };
    return known.startsWith("LicenseRef-") ? { spdx: known, note: `license ${id} -> ${known}` } : { spdx: known };
  }
  // Creative Commons: the Hub's ids are the SPDX ids in lower case (cc-by-nc-sa-4.0, cc0-1.0).
  if (/^cc(?:0|-by(?:-nc)?(?:-nd|-sa)?)-\d\.\d$/.test(id)) return { spdx: id.toUpperCase() };
  const guessed = licenseRef(license);
  return { spdx: guessed, note: `license ${license} is not a known Hugging Face license id -> ${guessed} (check it)` };
}
