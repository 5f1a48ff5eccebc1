#!/usr/bin/env python3
"""Every success response documented in api/openapi.yaml was produced by
some HTTP test and matched its schema. The HTTP tests save what they saw
(KESU_OPENAPI_SEEN); ctest runs this after them.

usage: openapi_coverage.py SOURCE_ROOT SEEN_DIR
"""

import glob
import os
import sys

from openapi_check import OpenAPI


def main():
    src, seen = sys.argv[1:3]
    spec = OpenAPI(os.path.join(src, "api", "openapi.yaml"))
    files = sorted(glob.glob(os.path.join(seen, "*.json")))
    if not files:
        print(f"no saved responses in {seen}: run the http_* tests first",
              file=sys.stderr)
        return 1
    for f in files:
        spec.load_seen(f)
    missing = spec.undocumented_success()
    if missing:
        print("documented success responses no test produced:",
              file=sys.stderr)
        for m in missing:
            print("  " + m, file=sys.stderr)
        return 1
    print(f"every documented success response was produced "
          f"({len(spec.seen)} response kinds, {len(files)} test files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
