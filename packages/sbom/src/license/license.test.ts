import parseExpression from "spdx-expression-parse";
import { describe, expect, it } from "vitest";
import { declaredLicense, licenseExpressionOf } from "./declared-license.js";
import { licenseIdOf } from "./license-ids.js";

describe("licence names", () => {
  it.each([
    ["MIT", "MIT"],
    ["mit", "MIT"],
    ["GPL-2+", "GPL-2.0-or-later"],
    ["GPL-2", "GPL-2.0-only"],
    ["GPL-2.0", "GPL-2.0-only"],
    ["GPL-2.0+", "GPL-2.0-or-later"],
    ["LGPL-2.1+", "LGPL-2.1-or-later"],
    ["LGPL-2", "LGPL-2.0-only"],
    ["BSD-3-clause", "BSD-3-Clause"],
    ["Apache 2.0", "Apache-2.0"],
    ["apache-2", "Apache-2.0"],
    ["Artistic-1.0-Perl", "Artistic-1.0-Perl"],
    ["BSD-2-Clause-NetBSD", "BSD-2-Clause"],
  ])("%s is %s", (name, id) => {
    expect(licenseIdOf(name)).toBe(id);
  });

  it.each(["Expat", "public-domain", "Artistic", "GPL", "LGPL-2.1+ with exception"])("%s is not on the SPDX list", (name) => {
    expect(licenseIdOf(name)).toBeUndefined();
  });

  it("keeps valid expressions, canonicalises their identifiers, and makes LicenseRefs of the rest", () => {
    expect(licenseExpressionOf("(MIT OR Apache-2.0)")).toEqual({ expression: "MIT OR Apache-2.0" });
    expect(licenseExpressionOf("GPL-2.0+ AND (BSD-3-Clause OR MIT)")).toEqual({ expression: "GPL-2.0-or-later AND (BSD-3-Clause OR MIT)" });
    expect(licenseExpressionOf("GPL-2.0-or-later WITH Classpath-exception-2.0")).toEqual({ expression: "GPL-2.0-or-later WITH Classpath-exception-2.0" });
    expect(licenseExpressionOf("Apache-2.0+")).toEqual({ expression: "Apache-2.0+" });
    expect(licenseExpressionOf("MIT WITH Not-An-Exception")).toEqual({ expression: "LicenseRef-MIT-WITH-Not-An-Exception", extracted: { licenseId: "LicenseRef-MIT-WITH-Not-An-Exception", extractedText: "NOASSERTION", name: "MIT WITH Not-An-Exception" } });
    expect(licenseExpressionOf("SEE LICENSE IN LICENSE.md").expression).toBe("LicenseRef-SEE-LICENSE-IN-LICENSE.md");
    expect(licenseExpressionOf("LicenseRef-Corp-EULA")).toEqual({ expression: "LicenseRef-Corp-EULA" });
  });

  it("joins a package's licences with AND, each compound one in parentheses, each once", () => {
    const joined = declaredLicense(["MIT", "MIT OR Apache-2.0", "Expat", "mit", " "]);
    expect(joined.expression).toBe("MIT AND (MIT OR Apache-2.0) AND LicenseRef-Expat");
    expect(joined.extracted.map((ref) => ref.licenseId)).toEqual(["LicenseRef-Expat"]);
    expect(declaredLicense([]).expression).toBe("NOASSERTION");
    expect(declaredLicense(["(MIT OR ISC)"]).expression).toBe("MIT OR ISC");
    // Whatever comes out is a valid SPDX expression.
    for (const values of [["GPL-2+", "BSD-3-clause", "public-domain"], ["(MIT OR Apache-2.0)", "GPL-3.0-or-later WITH GCC-exception-3.1"]]) {
      expect(() => parseExpression(declaredLicense(values).expression)).not.toThrow();
    }
  });
});
