"""Checks real responses against api/openapi.yaml: the path, method and
status must be documented (errors on undocumented paths must still be an
Error), and the JSON body must match the response's schema. OpenAPI 3.0
schemas are turned into JSON Schema (refs inlined, `nullable` as a "null"
type) for python3-jsonschema."""

import json
import os
import re

import jsonschema
import yaml


def _inline(node, root):
    if isinstance(node, list):
        return [_inline(x, root) for x in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = root
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _inline(target, root)
    out = {k: _inline(v, root) for k, v in node.items()
           if k not in ("nullable", "description", "example")}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


class OpenAPI:
    def __init__(self, path):
        with open(path) as f:
            self.doc = yaml.safe_load(f)
        self.routes = []
        for tmpl, ops in self.doc["paths"].items():
            rx = re.compile("^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/]+",
                                         re.escape(tmpl)) + "$")
            self.routes.append((rx, tmpl, ops))
        self.error = _inline(self.doc["components"]["schemas"]["Error"],
                             self.doc)
        self.seen = set()   # (template, method, status) checked

    def _schema(self, resp):
        resp = _inline(resp, self.doc)
        content = resp.get("content", {}).get("application/json", {})
        return content.get("schema")

    def check(self, method, path, status, body):
        """Returns None when the response conforms, else why not."""
        path = path.split("?")[0]
        for rx, tmpl, ops in self.routes:
            if not rx.match(path):
                continue
            op = ops.get(method.lower())
            if op is None:
                return self._validate(self.error, body, "405 Error") \
                    if status == 405 else f"{method} {tmpl} undocumented"
            resp = op["responses"].get(str(status))
            if resp is None:
                return f"{method} {tmpl}: status {status} undocumented"
            self.seen.add((tmpl, method.upper(), status))
            return self._validate(self._schema(resp), body,
                                  f"{method} {tmpl} {status}")
        if status < 400:
            return f"{method} {path}: undocumented path answered {status}"
        return self._validate(self.error, body, "Error")

    @staticmethod
    def _validate(schema, body, what):
        if schema is None:
            return None
        try:
            jsonschema.validate(body, schema)
        except jsonschema.ValidationError as e:
            return f"{what}: {e.message} at {list(e.absolute_path)}"
        return None

    def save_seen(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            json.dump(sorted(self.seen), f)

    def load_seen(self, path):
        with open(path) as f:
            self.seen.update(tuple(x) for x in json.load(f))

    def undocumented_success(self, only=None):
        """Documented 2xx responses no test produced (of the path
        templates in only, when given: each test file covers its own)."""
        missing = []
        for _, tmpl, ops in self.routes:
            if only is not None and tmpl not in only:
                continue
            for m, op in ops.items():
                for st in op["responses"]:
                    if st.startswith("2") and \
                            (tmpl, m.upper(), int(st)) not in self.seen:
                        missing.append(f"{m.upper()} {tmpl} {st}")
        return missing
