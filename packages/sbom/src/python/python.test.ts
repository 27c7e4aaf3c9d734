import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { scanFilesystem } from "../scan.js";
import { memoryFs } from "../test-support/memory-fs.js";
import { spdxSchemaErrors } from "../test-support/spdx-schema.js";

const created = new Date("2024-06-01T00:00:00Z");
const SITE = "usr/lib/python3.11/site-packages";
/** RECORD's hash notation (PEP 376): "sha256=" and the urlsafe base64 of the digest, no padding. */
const recordHash = (content: string) => `sha256=${createHash("sha256").update(content).digest("base64url")}`;
const sha256 = (content: string) => createHash("sha256").update(content).digest("hex");

const INIT = '__version__ = "2.31.0"\n';
const API = "def get(url): ...\n";
const NORMALIZER = "#!/usr/bin/python3\nfrom charset_normalizer.cli import cli_detect\n";

// Core metadata 2.1, as pip installs it (headers, a blank line, the long description).
const REQUESTS_METADATA = `Metadata-Version: 2.1
Name: requests
Version: 2.31.0
Summary: Python HTTP for Humans.
Home-page: https://requests.readthedocs.io
Author: Kenneth Reitz
Author-email: me@kennethreitz.org
License: Apache 2.0
Classifier: License :: OSI Approved :: Apache Software License
Requires-Python: >=3.7
Requires-Dist: charset-normalizer (<4,>=2)

# Requests

License: this line is in the description, not a header.
`;

// Core metadata 2.4 with License-Expression and a folded header.
const NORMALIZER_METADATA = `Metadata-Version: 2.4
Name: Charset_Normalizer
Version: 3.3.2
Summary: The Real First Universal Charset Detector. Open, modern and actively maintained alternative to Chardet.
Author-email: "Ahmed R. TAHRI" <tahri.ahmed@proton.me>
License-Expression: MIT
Keywords: encoding,
 charset, i18n
`;

describe("installed Python distributions", () => {
  it("reads wheels' METADATA and RECORD, eggs' PKG-INFO and distutils' .egg-info files", async () => {
    const fs = memoryFs({
      [`${SITE}/requests-2.31.0.dist-info/METADATA`]: REQUESTS_METADATA,
      [`${SITE}/requests-2.31.0.dist-info/RECORD`]: [
        `requests/__init__.py,${recordHash(INIT)},${INIT.length}`,
        `requests/api.py,${recordHash(API)},${API.length}`,
        `"requests/odd,name.py",,`,
        "requests-2.31.0.dist-info/METADATA,,",
        "requests-2.31.0.dist-info/RECORD,,",
        "requests/__pycache__/api.cpython-311.pyc,,",
        "",
      ].join("\n"),
      [`${SITE}/requests/__init__.py`]: INIT,
      [`${SITE}/requests/api.py`]: API,
      [`${SITE}/requests/odd,name.py`]: "",
      [`${SITE}/charset_normalizer-3.3.2.dist-info/METADATA`]: NORMALIZER_METADATA,
      [`${SITE}/charset_normalizer-3.3.2.dist-info/RECORD`]: `../../../bin/normalizer,${recordHash(NORMALIZER)},${NORMALIZER.length}\n`,
      "usr/bin/normalizer": { content: NORMALIZER, mode: 0o755 },
      [`${SITE}/six-1.16.0-py3.11.egg-info/PKG-INFO`]: "Metadata-Version: 1.2\nName: six\nVersion: 1.16.0\nLicense: MIT\nAuthor: Benjamin Peterson\nAuthor-email: benjamin@python.org\n",
      "usr/lib/python3/dist-packages/distro-1.8.0.egg-info": "Metadata-Version: 1.1\nName: distro\nVersion: 1.8.0\nLicense: Apache License, Version 2.0\n",
      // A distribution whose licence field is the licence's whole text: no name to declare.
      [`${SITE}/verbose-1.0.dist-info/METADATA`]: "Metadata-Version: 2.1\nName: verbose\nVersion: 1.0\nLicense: Copyright (c) 2020\n        Permission is hereby granted, free of charge, to any person obtaining a copy\n",
    });
    const { document, warnings } = await scanFilesystem(fs, { name: "py", created });
    expect(warnings).toEqual([]);
    expect(spdxSchemaErrors(document)).toEqual([]);
    const summary = document.packages
      .filter((pkg) => pkg.externalRefs)
      .map((pkg) => [pkg.name, pkg.versionInfo, pkg.externalRefs?.[0]?.referenceLocator, pkg.licenseDeclared, pkg.originator ?? "-"]);
    expect(summary).toEqual([
      // Names normalised as PEP 503 and Syft do.
      ["charset-normalizer", "3.3.2", "pkg:pypi/charset-normalizer@3.3.2", "MIT", "Person: Ahmed R. TAHRI (tahri.ahmed@proton.me)"],
      ["distro", "1.8.0", "pkg:pypi/distro@1.8.0", "LicenseRef-Apache-License--Version-2.0", "-"],
      // "Apache 2.0" is Apache-2.0 once spaces do not count.
      ["requests", "2.31.0", "pkg:pypi/requests@2.31.0", "Apache-2.0", "Person: Kenneth Reitz (me@kennethreitz.org)"],
      ["six", "1.16.0", "pkg:pypi/six@1.16.0", "MIT", "Person: Benjamin Peterson (benjamin@python.org)"],
      ["verbose", "1.0", "pkg:pypi/verbose@1.0", "NOASSERTION", "-"],
    ]);
    const requests = document.packages.find((pkg) => pkg.name === "requests");
    expect(requests).toMatchObject({ homepage: "https://requests.readthedocs.io", description: "Python HTTP for Humans.", sourceInfo: `acquired package info from installed python package manifest file: /${SITE}/requests-2.31.0.dist-info/METADATA, /${SITE}/requests-2.31.0.dist-info/RECORD` });
    // RECORD's files that exist, with its SHA-256 where it gives one; a path climbing out of site-packages too.
    const files = Object.fromEntries((document.files ?? []).map((file) => [file.fileName, file.checksums]));
    expect(files[`${SITE}/requests/__init__.py`]).toEqual([{ algorithm: "SHA256", checksumValue: sha256(INIT) }]);
    expect(files[`${SITE}/requests/api.py`]).toEqual([{ algorithm: "SHA256", checksumValue: sha256(API) }]);
    expect(files[`${SITE}/requests/odd,name.py`]).toEqual([{ algorithm: "SHA1", checksumValue: "0".repeat(40) }]);
    expect(files["usr/bin/normalizer"]).toEqual([{ algorithm: "SHA256", checksumValue: sha256(NORMALIZER) }]);
    expect(Object.keys(files)).not.toContain(`${SITE}/requests/__pycache__/api.cpython-311.pyc`);
  });

  it("skips metadata without a name or version, or that is not metadata at all, with a warning", async () => {
    const fs = memoryFs({
      [`${SITE}/noversion-1.0.dist-info/METADATA`]: "Metadata-Version: 2.1\nName: noversion\n",
      [`${SITE}/binary-1.0.dist-info/METADATA`]: " leading continuation\nName: x\n",
      [`${SITE}/fine-1.0.dist-info/METADATA`]: "Metadata-Version: 2.1\nName: fine\nVersion: 1.0\n",
    });
    const { document, warnings } = await scanFilesystem(fs, { name: "py", created, catalogers: ["python"] });
    expect(document.packages.map((pkg) => pkg.name)).toEqual(["fine", "py"]);
    expect(warnings).toEqual([
      { path: `${SITE}/binary-1.0.dist-info/METADATA`, cataloger: "python", message: "skipped: a continuation line before any field" },
      { path: `${SITE}/noversion-1.0.dist-info/METADATA`, cataloger: "python", message: "skipped: no Version field" },
    ]);
  });
});
