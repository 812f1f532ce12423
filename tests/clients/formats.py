"""Reads `consent-inspector check` reports with registry tools, for tests/reports.rs.

  formats.py junit FILE          parse with junitparser; print what it read as JSON
  formats.py sarif FILE SCHEMA   validate with jsonschema against SARIF's schema; print errors
"""
import json
import sys


def junit(path):
    from junitparser import JUnitXml

    xml = JUnitXml.fromfile(path)
    suites = []
    for suite in xml:
        cases = []
        for case in suite:
            results = [
                {"kind": type(r).__name__, "message": r.message, "type": r.type, "text": r.text}
                for r in case.result
            ]
            cases.append(
                {
                    "name": case.name,
                    "classname": case.classname,
                    "results": results,
                    "system_out": case.system_out,
                }
            )
        suites.append(
            {
                "name": suite.name,
                "tests": suite.tests,
                "failures": suite.failures,
                "errors": suite.errors,
                "cases": cases,
            }
        )
    print(json.dumps({"tests": xml.tests, "failures": xml.failures, "suites": suites}))


def sarif(path, schema_path):
    import jsonschema

    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]
    print(json.dumps(errors))


if __name__ == "__main__":
    {"junit": junit, "sarif": sarif}[sys.argv[1]](*sys.argv[2:])
