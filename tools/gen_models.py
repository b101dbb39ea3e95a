#!/usr/bin/env python3
"""gen_models.py — compiles botocore service models into nuage's C tables.

Reads tools/models.json ({service: [operations nuage implements]}), finds the
newest botocore on this machine (the running python's, and Debian's
python3-botocore), and writes src/proto/models/<service>.c plus
src/proto/models/models.h. The output is committed so a build never needs
botocore.

Every operation of a listed service is emitted for routing (so a client that
calls one nuage lacks gets NotImplemented, never a different operation's
answer); shapes are emitted only for the implemented ones.

When the newest model of a service speaks JSON but an older one on this
machine speaks query (SQS moved from query to JSON in 2023), the query traits
(locationName, flattened, resultWrapper, error codes) are merged in from the
older model so one table serves both wire protocols. A structure member's
query locationName goes to model_member.query_wire, never to .wire: the JSON
codec names members by .wire, and SQS's JSON names differ from its query ones.
"""
import glob
import gzip
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "src", "proto", "models")


def botocore_dirs():
    """(version, data dir) of every botocore we can see, newest first."""
    found = []
    try:
        import botocore
        found.append((botocore.__version__, os.path.join(os.path.dirname(botocore.__file__), "data")))
    except ImportError:
        pass
    deb = "/usr/lib/python3/dist-packages/botocore"
    if os.path.isdir(deb):
        ver = "0"
        with open(os.path.join(deb, "__init__.py")) as f:
            m = re.search(r"__version__ = '([^']+)'", f.read())
            if m:
                ver = m.group(1)
        found.append((ver, os.path.join(deb, "data")))
    uniq = {d: v for v, d in found}
    key = lambda vd: tuple(int(x) for x in re.findall(r"\d+", vd[0]))
    return sorted(((v, d) for d, v in uniq.items()), key=key, reverse=True)


def load(datadir, svc):
    paths = sorted(glob.glob(os.path.join(datadir, svc, "*", "service-2.json*")))
    if not paths:
        return None
    p = paths[-1]
    with (gzip.open(p, "rt") if p.endswith(".gz") else open(p)) as f:
        return json.load(f)


def cstr(s):
    if s is None:
        return "NULL"
    out = '"'
    for ch in s:
        if ch in '"\\':
            out += "\\" + ch
        elif 32 <= ord(ch) < 127:
            out += ch
        else:
            for b in ch.encode("utf-8"):
                out += "\\%03o" % b
    return out + '"'


def ident(name):
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


TYPES = {"structure": "SHAPE_STRUCTURE", "list": "SHAPE_LIST", "map": "SHAPE_MAP", "string": "SHAPE_STRING",
         "integer": "SHAPE_INTEGER", "long": "SHAPE_LONG", "float": "SHAPE_FLOAT", "double": "SHAPE_DOUBLE",
         "boolean": "SHAPE_BOOLEAN", "timestamp": "SHAPE_TIMESTAMP", "blob": "SHAPE_BLOB"}
LOCS = {None: "LOC_BODY", "uri": "LOC_URI", "querystring": "LOC_QUERY", "header": "LOC_HEADER",
        "headers": "LOC_HEADERS", "statusCode": "LOC_STATUS"}
TSF = {None: "TSF_DEFAULT", "iso8601": "TSF_ISO8601", "rfc822": "TSF_RFC822", "unixTimestamp": "TSF_EPOCH"}
PROTO = {"rest-xml": "PROTO_REST_XML", "query": "PROTO_QUERY", "ec2": "PROTO_EC2", "json": "PROTO_JSON",
         "rest-json": "PROTO_REST_JSON"}


def merge_query_traits(new, old):
    """Copies query-protocol traits of `old` into `new` (same shape names)."""
    for name, oshape in old["shapes"].items():
        nshape = new["shapes"].get(name)
        if not nshape:
            continue
        for k in ("flattened", "xmlNamespace"):
            if k in oshape and k not in nshape:
                nshape[k] = oshape[k]
        if "error" in oshape and "error" not in nshape:
            nshape["error"] = oshape["error"]
        if oshape.get("type") == "structure":
            for mname, om in oshape.get("members", {}).items():
                nm = nshape.get("members", {}).get(mname)
                if nm is None:
                    continue
                for k in ("flattened", "xmlAttribute"):
                    if k in om and k not in nm:
                        nm[k] = om[k]
                # A structure member's query name must not become its JSON
                # name (SQS: Attributes is "Attribute" on the query wire,
                # "Attributes" in JSON): keep it apart for the query codec.
                # botocore also names a member by its target shape's own
                # locationName (SQS TagQueue's Tags -> "Tag.N").
                qname = om.get("locationName") or old["shapes"].get(om["shape"], {}).get("locationName")
                if qname and "locationName" not in nm:
                    nm["queryLocationName"] = qname
        elif oshape.get("type") in ("list", "map"):
            for part in ("member", "key", "value"):
                if part in oshape and part in nshape:
                    for k in ("locationName",):
                        if k in oshape[part] and k not in nshape[part]:
                            nshape[part][k] = oshape[part][k]
    for oname, oop in old["operations"].items():
        nop = new["operations"].get(oname)
        if nop and "output" in oop and "resultWrapper" in oop["output"] and "output" in nop:
            nop["output"].setdefault("resultWrapper", oop["output"]["resultWrapper"])


class Gen:
    def __init__(self, svc, model, implemented, botover, query_also):
        self.svc = svc
        self.m = model
        self.impl = implemented
        self.botover = botover
        self.query_also = query_also
        self.shapes = model["shapes"]
        self.order = []
        self.seen = set()

    def reach(self, name):
        if name in self.seen:
            return
        self.seen.add(name)
        sh = self.shapes[name]
        t = sh["type"]
        if t == "structure":
            for mem in sh.get("members", {}).values():
                self.reach(mem["shape"])
        elif t == "list":
            self.reach(sh["member"]["shape"])
        elif t == "map":
            self.reach(sh["key"]["shape"])
            self.reach(sh["value"]["shape"])
        self.order.append(name)

    def member_c(self, mname, mem, required):
        sh = self.shapes[mem["shape"]]
        flags = []
        if required:
            flags.append("MF_REQUIRED")
        if mem.get("flattened"):
            flags.append("MF_FLATTENED")
        if mem.get("xmlAttribute"):
            flags.append("MF_XML_ATTRIBUTE")
        if mem.get("idempotencyToken"):
            flags.append("MF_IDEMPOTENCY")
        if mem.get("jsonvalue"):
            flags.append("MF_JSONVALUE")
        if mem.get("hostLabel"):
            flags.append("MF_HOSTLABEL")
        if mem.get("streaming") or sh.get("streaming"):
            flags.append("MF_STREAMING")
        ns = mem.get("xmlNamespace") or {}
        qwire = ", %s" % cstr(mem["queryLocationName"]) if "queryLocationName" in mem else ""
        return "{%s, %s, %s, &s_%s, %s, %s, %s, %s, %s%s}" % (
            cstr(mname), cstr(mem.get("locationName")), cstr(mem.get("queryName")), ident(mem["shape"]),
            LOCS[mem.get("location")], "|".join(flags) or "0", TSF[mem.get("timestampFormat")],
            cstr(ns.get("uri")), cstr(ns.get("prefix")), qwire)

    def shape_c(self, name):
        sh = self.shapes[name]
        t = sh["type"]
        out = []
        members = []
        if t == "structure":
            req = set(sh.get("required", []))
            for mname, mem in sh.get("members", {}).items():
                members.append(self.member_c(mname, mem, mname in req))
        elif t == "list":
            members.append(self.member_c("member", sh["member"], False))
        elif t == "map":
            members.append(self.member_c("key", sh["key"], False))
            members.append(self.member_c("value", sh["value"], False))
        mid = "NULL"
        if members:
            mid = "m_" + ident(name)
            out.append("static const struct model_member %s[] = {\n\t%s,\n};" % (mid, ",\n\t".join(members)))
        enums = "NULL"
        if sh.get("enum"):
            enums = "e_" + ident(name)
            out.append("static const char *const %s[] = {%s};" % (enums, ", ".join(cstr(e) for e in sh["enum"])))
        flags = []
        if sh.get("flattened"):
            flags.append("SHF_FLATTENED")
        if sh.get("streaming"):
            flags.append("SHF_STREAMING")
        if sh.get("exception"):
            flags.append("SHF_EXCEPTION")
        if sh.get("eventstream"):
            flags.append("SHF_EVENTSTREAM")
        if "min" in sh:
            flags.append("SHF_HAS_MIN")
        if "max" in sh:
            flags.append("SHF_HAS_MAX")
        if sh.get("sensitive"):
            flags.append("SHF_SENSITIVE")
        err = sh.get("error") or {}
        ecode = err.get("code", name) if sh.get("exception") else None
        ns = sh.get("xmlNamespace") or {}
        out.append("static const struct model_shape s_%s = {%s, %s, %s, %s, %d, %s, %s, %dLL, %dLL, %d, %s, %s, %s, %s, %d};" % (
            ident(name), cstr(name), TYPES[t], "|".join(flags) or "0", TSF[sh.get("timestampFormat")], len(members),
            mid, cstr(sh.get("payload")), int(sh.get("min", 0)), int(sh.get("max", 0)), len(sh.get("enum", [])),
            enums, cstr(ns.get("uri")), cstr(ns.get("prefix")), cstr(ecode), int(err.get("httpStatusCode", 0))))
        return "\n".join(out)

    def route_query(self, op):
        if "input" not in op:
            return None
        sh = self.shapes[op["input"]["shape"]]
        req = set(sh.get("required", []))
        keys = sorted(("q:" if mem.get("location") == "querystring" else "h:") + mem.get("locationName", mname).lower()
                      if mem.get("location") == "header" else "q:" + mem.get("locationName", mname)
                      for mname, mem in sh.get("members", {}).items()
                      if mem.get("location") in ("querystring", "header") and mname in req)
        return "&".join(keys) if keys else None

    def run(self):
        ops = self.m["operations"]
        missing = [o for o in self.impl if o not in ops]
        if missing:
            sys.exit("gen_models: %s has no operations %s" % (self.svc, missing))
        for oname in self.impl:
            op = ops[oname]
            for k in ("input", "output"):
                if k in op:
                    self.reach(op[k]["shape"])
            for e in op.get("errors", []):
                self.reach(e["shape"])
        md = self.m["metadata"]
        lines = ["/* GENERATED by tools/gen_models.py from botocore %s (%s %s). Do not edit. */" % (
            self.botover, self.svc, md.get("apiVersion")), '#include "proto/model.h"', "", "#include <stddef.h>", ""]
        for name in self.order:
            lines.append("static const struct model_shape s_%s;" % ident(name))
        lines.append("")
        for name in self.order:
            lines.append(self.shape_c(name))
        lines.append("")
        opc = []
        for oname in sorted(ops):
            op = ops[oname]
            http = op.get("http", {})
            implemented = oname in self.impl
            errs = "NULL"
            nerr = 0
            if implemented and op.get("errors"):
                errs = "err_" + ident(oname)
                nerr = len(op["errors"])
                lines.append("static const struct model_shape *const %s[] = {%s};" % (
                    errs, ", ".join("&s_" + ident(e["shape"]) for e in op["errors"])))
            inp = "&s_" + ident(op["input"]["shape"]) if implemented and "input" in op else "NULL"
            outp = "&s_" + ident(op["output"]["shape"]) if implemented and "output" in op else "NULL"
            cks = op.get("httpChecksumRequired") or (op.get("httpChecksum") or {}).get("requestChecksumRequired")
            inx = op.get("input", {})
            opc.append("\t{%s, %s, %s, %d, %s, %s, %s, %s, %s, %d, %s, %d, %s, %s}" % (
                cstr(oname), cstr(http.get("method", "POST")), cstr(http.get("requestUri", "/")),
                int(http.get("responseCode", 0)), inp, outp, cstr(op.get("output", {}).get("resultWrapper")),
                cstr(inx.get("locationName")), cstr((inx.get("xmlNamespace") or {}).get("uri")), nerr, errs,
                1 if cks else 0, "true" if implemented else "false", cstr(self.route_query(op))))
        lines.append("")
        lines.append("static const struct model_op ops[] = {\n%s,\n};" % ",\n".join(opc))
        lines.append("")
        proto = md.get("protocol")
        lines.append("const struct model_service model_%s = {" % ident(self.svc))
        lines.append("\t.name = %s," % cstr(md.get("endpointPrefix", self.svc)))
        lines.append("\t.signing_name = %s," % cstr(md.get("signingName", md.get("endpointPrefix", self.svc))))
        lines.append("\t.protocol = %s," % PROTO[proto])
        lines.append("\t.query_also = %s," % ("true" if self.query_also else "false"))
        lines.append("\t.query_compatible = %s," % ("true" if "awsQueryCompatible" in md else "false"))
        lines.append("\t.json_version = %s," % cstr(md.get("jsonVersion")))
        lines.append("\t.target_prefix = %s," % cstr(md.get("targetPrefix")))
        lines.append("\t.api_version = %s," % cstr(md.get("apiVersion")))
        lines.append("\t.xml_ns = %s," % cstr(md.get("xmlNamespace")))
        lines.append("\t.nops = %d," % len(ops))
        lines.append("\t.ops = ops,")
        lines.append("\t.botocore_version = %s," % cstr(self.botover))
        lines.append("};")
        return "\n".join(lines) + "\n"


def main():
    with open(os.path.join(ROOT, "tools", "models.json")) as f:
        conf = json.load(f)
    dirs = botocore_dirs()
    if not dirs:
        sys.exit("gen_models: no botocore found (install python3-botocore)")
    os.makedirs(OUT, exist_ok=True)
    services = [s for s in conf if not s.startswith("_")]
    for svc in services:
        model = None
        for ver, d in dirs:
            model = load(d, svc)
            if model:
                newest = ver
                break
        if model is None:
            sys.exit("gen_models: no model for %s" % svc)
        query_also = False
        if model["metadata"].get("protocol") == "json" and "awsQueryCompatible" in model["metadata"]:
            for ver, d in dirs:
                old = load(d, svc)
                if old and old["metadata"].get("protocol") == "query":
                    merge_query_traits(model, old)
                    if "xmlNamespace" in old["metadata"]:
                        model["metadata"]["xmlNamespace"] = old["metadata"]["xmlNamespace"]
                    query_also = True
                    newest = "%s + query traits from %s" % (newest, ver)
                    break
        src = Gen(svc, model, conf[svc], newest, query_also).run()
        with open(os.path.join(OUT, ident(svc) + ".c"), "w") as f:
            f.write(src)
        print("gen_models: %s (%d operations implemented, botocore %s)" % (svc, len(conf[svc]), newest))
    hdr = ["/* GENERATED by tools/gen_models.py. Do not edit. */", "#ifndef NUAGE_PROTO_MODELS_H",
           "#define NUAGE_PROTO_MODELS_H", "", '#include "proto/model.h"', ""]
    for svc in services:
        hdr.append("extern const struct model_service model_%s;" % ident(svc))
    hdr += ["", "#endif", ""]
    with open(os.path.join(OUT, "models.h"), "w") as f:
        f.write("\n".join(hdr))


if __name__ == "__main__":
    main()
