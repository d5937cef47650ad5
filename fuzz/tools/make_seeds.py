#!/usr/bin/env python3
"""Writes the generated seeds of fuzz/seeds/ (the copied ones come from tests/): shapefiles as one
input of parts, a small OSM PBF (raw and zlib blobs) and XML, network vertex records and .prj
texts. Run from the repository root: python3 fuzz/tools/make_seeds.py"""
import os, re, struct, zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SEEDS = os.path.join(ROOT, "fuzz", "seeds")
SEP = b"\n--lifecircle-part--\n"  # src/fuzzing.rs PART_SEPARATOR


def put(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# ---------------------------------------------------------------- shapefile
def bbox(points):
    xs = [p[0] for p in points] or [0]
    ys = [p[1] for p in points] or [0]
    return min(xs), min(ys), max(xs), max(ys)


def shp_record(shape_type, parts):
    """Content of one record: type 0 (null), 1 (point), 3 (polyline), 5 (polygon), 8 (multipoint)."""
    if shape_type == 0:
        return struct.pack("<i", 0)
    if shape_type == 1:
        (x, y), = parts[0]
        return struct.pack("<idd", 1, x, y)
    pts = [p for part in parts for p in part]
    if shape_type == 8:
        return struct.pack("<i4di", 8, *bbox(pts), len(pts)) + b"".join(struct.pack("<dd", *p) for p in pts)
    out = struct.pack("<i4dii", shape_type, *bbox(pts), len(parts), len(pts))
    at = 0
    for part in parts:
        out += struct.pack("<i", at)
        at += len(part)
    return out + b"".join(struct.pack("<dd", *p) for p in pts)


def shapefile(shape_type, records, fields, rows, prj=None, cpg=None):
    contents = [shp_record(t, parts) for t, parts in records]
    all_pts = [p for _, parts in records for part in parts for p in part]
    def header(length_words):
        return (struct.pack(">7i", 9994, 0, 0, 0, 0, 0, length_words)
                + struct.pack("<ii4d4d", 1000, shape_type, *bbox(all_pts), 0, 0, 0, 0))
    shp, shx, offset = b"", b"", 50
    for i, c in enumerate(contents):
        shp += struct.pack(">ii", i + 1, len(c) // 2) + c
        shx += struct.pack(">ii", offset, len(c) // 2)
        offset += 4 + len(c) // 2
    shp = header(50 + len(shp) // 2) + shp
    shx = header(50 + len(shx) // 2) + shx
    # dBASE III: fields (name, type, length, decimals)
    rec_len = 1 + sum(f[2] for f in fields)
    hdr_len = 32 + 32 * len(fields) + 1
    dbf = struct.pack("<BBBBIHH20x", 3, 126, 1, 1, len(rows), hdr_len, rec_len)
    for name, typ, length, dec in fields:
        dbf += struct.pack("<11sc4xBB14x", name.encode(), typ.encode(), length, dec)
    dbf += b"\r"
    for row in rows:
        dbf += b" "
        for (name, typ, length, dec), v in zip(fields, row):
            b = v if isinstance(v, bytes) else str(v).encode()
            b = b.rjust(length) if typ == "N" else b.ljust(length)
            dbf += b[:length]
    dbf += b"\x1a"
    parts = [shp, shx, dbf]
    if prj is not None or cpg is not None:
        parts.append((prj or "").encode())
    if cpg is not None:
        parts.append(cpg.encode())
    return SEP.join(parts)


WGS84_PRJ = 'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
CGCS_GK_PRJ = ('PROJCS["CGCS2000_3_Degree_GK_CM_117E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",'
               'SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],'
               'PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
               'PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]')


def shapefile_seeds():
    src = os.path.join(ROOT, "tests", "bad_inputs", "gbk_no_cpg", "services")
    put("shapefile", "gbk_no_cpg.bin",
        SEP.join(open(src + "." + e, "rb").read() for e in ("shp", "shx", "dbf")))
    fields = [("id", "C", 8, 0), ("households", "N", 6, 0), ("category", "C", 12, 0)]
    put("shapefile", "points_wgs84_utf8.bin", shapefile(
        1, [(1, [[(116.39, 39.90)]]), (1, [[(116.40, 39.91)]]), (0, [])],
        fields, [["r1", 120, "clinic"], ["r2", 80, "market"], ["r3", 5, "clinic"]], WGS84_PRJ, "UTF-8"))
    ring = [(116.0, 39.0), (116.0, 39.01), (116.01, 39.01), (116.01, 39.0), (116.0, 39.0)]
    hole = [(116.002, 39.002), (116.008, 39.002), (116.008, 39.008), (116.002, 39.008), (116.002, 39.002)]
    far = [(116.1, 39.1), (116.1, 39.11), (116.11, 39.11), (116.1, 39.1)]
    put("shapefile", "polygons_hole_multipart.bin", shapefile(
        5, [(5, [ring, hole]), (5, [ring, far])], fields, [["z1", 10, "zone"], ["z2", 20, "zone"]], WGS84_PRJ))
    gk = [(500000.0 + dx, 4300000.0 + dy) for dx, dy in ((0, 0), (0, 100), (100, 100), (100, 0), (0, 0))]
    put("shapefile", "polygon_gk_gbk.bin", shapefile(
        5, [(5, [gk])], [("id", "C", 8, 0), ("name", "C", 20, 0), ("pop", "N", 8, 0)],
        [["a1", "社区".encode("gbk"), 300]], CGCS_GK_PRJ, "GBK"))
    put("shapefile", "polylines.bin", shapefile(
        3, [(3, [[(116.0, 39.0), (116.001, 39.0), (116.002, 39.001)]]), (3, [[(116.0, 39.0), (116.0, 39.002)], [(116.1, 39.1), (116.1, 39.2)]])],
        [("id", "C", 4, 0), ("oneway_foo", "C", 4, 0)], [["w1", "yes"], ["w2", ""]]))
    put("shapefile", "multipoint.bin", shapefile(
        8, [(8, [[(116.0, 39.0), (116.1, 39.1)]])], [("id", "C", 4, 0), ("households", "N", 4, 0)], [["m1", 3]]))


# ---------------------------------------------------------------- OSM PBF
def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def zigzag(n):
    return (n << 1) ^ (n >> 63)


def key(field, wire):
    return varint(field << 3 | wire)


def ld(field, data):
    return key(field, 2) + varint(len(data)) + data


def vi(field, n):
    return key(field, 0) + varint(n)


def packed(field, values, signed=False):
    return ld(field, b"".join(varint(zigzag(v) if signed else v) for v in values))


def delta(values):
    out, prev = [], 0
    for v in values:
        out.append(v - prev)
        prev = v
    return out


def pbf_block(kind, payload, compress):
    if compress:
        blob = vi(2, len(payload)) + ld(3, zlib.compress(payload))
    else:
        blob = ld(1, payload) + vi(2, len(payload))
    header = ld(1, kind.encode()) + vi(3, len(blob))
    return struct.pack(">I", len(header)) + header + blob


def pbf(compress):
    strings = [b"", b"building", b"yes", b"amenity", b"clinic", b"highway", b"footway",
               b"type", b"multipolygon", b"outer", b"inner", b"shop", b"supermarket", b"name", "诊所".encode(),
               b"boundary", b"administrative", b"admin_level", b"8", b"apartments", b"building:levels", b"5"]
    s = {v: i for i, v in enumerate(strings)}
    # nodes: a square building (1-4), a clinic (5), a footway (6-8), a hole (9-12), a shop (13),
    # the fourth corner of the multipolygon's outer ring (6, 7, 8, 14)
    base_lat, base_lon = 601700000, 249400000  # units of 100 nanodegrees (granularity 100)
    nodes = [(1, 0, 0), (2, 0, 1000), (3, 1000, 1000), (4, 1000, 0), (5, 500, 2000),
             (6, -500, -500), (7, -500, 1500), (8, 1500, 1500), (9, 200, 200), (10, 200, 800), (11, 800, 800),
             (12, 800, 200), (13, 1200, 300), (14, 1500, -500)]
    ids = [n[0] for n in nodes]
    lats = [base_lat + 10 * n[1] for n in nodes]
    lons = [base_lon + 10 * n[2] for n in nodes]
    kv = []
    for n in nodes:
        if n[0] == 5:
            kv += [s[b"amenity"], s[b"clinic"], s[b"name"], s["诊所".encode()]]
        if n[0] == 13:
            kv += [s[b"shop"], s[b"supermarket"]]
        kv.append(0)
    dense = (packed(1, delta(ids), True) + packed(8, delta(lats), True)
             + packed(9, delta(lons), True) + packed(10, kv))
    def way(wid, refs, tags):
        return (vi(1, wid) + packed(2, [s[k] for k, _ in tags]) + packed(3, [s[v] for _, v in tags])
                + packed(8, delta(refs), True))
    ways = [way(100, [1, 2, 3, 4, 1], [(b"building", b"apartments"), (b"building:levels", b"5")]),
            way(101, [6, 7, 8], [(b"highway", b"footway")]),
            way(102, [9, 10, 11, 12, 9], []),
            way(103, [6, 7, 8, 14, 6], [])]
    rel = (vi(1, 200) + packed(2, [s[b"type"], s[b"building"]]) + packed(3, [s[b"multipolygon"], s[b"yes"]])
           + packed(8, [s[b"outer"], s[b"inner"]]) + packed(9, delta([103, 102]), True) + packed(10, [1, 1]))
    admin = (vi(1, 201) + packed(2, [s[b"type"], s[b"boundary"], s[b"admin_level"]])
             + packed(3, [s[b"boundary"], s[b"administrative"], s[b"8"]])
             + packed(8, [s[b"outer"]]) + packed(9, [103], True) + packed(10, [1]))
    table = ld(1, b"".join(ld(1, x) for x in strings))
    block = (table + ld(2, ld(2, dense)) + ld(2, b"".join(ld(3, w) for w in ways))
             + ld(2, ld(4, rel) + ld(4, admin)))
    header = ld(4, b"OsmSchema-V0.6") + ld(4, b"DenseNodes")
    return pbf_block("OSMHeader", header, compress) + pbf_block("OSMData", block, compress)


def osm_seeds():
    put("osm_pbf", "small_raw.osm.pbf", pbf(False))
    put("osm_pbf", "small_zlib.osm.pbf", pbf(True))
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="make_seeds">
 <node id="1" lat="60.17" lon="24.94"/>
 <node id="2" lat="60.17" lon="24.941"/>
 <node id="3" lat="60.171" lon="24.941"/>
 <node id="4" lat="60.171" lon="24.94"/>
 <node id="5" lat="60.1705" lon="24.942"><tag k="amenity" v="clinic"/><tag k="name" v="Klinikka &amp; 诊所"/></node>
 <node id="6" lat="60.1695" lon="24.9395"/>
 <node id="7" lat="60.1695" lon="24.9415"/>
 <node id="8" lat="60.1715" lon="24.9415"/>
 <node id="9" lat="60.1702" lon="24.9402"/>
 <node id="10" lat="60.1702" lon="24.9408"/>
 <node id="11" lat="60.1708" lon="24.9408"/>
 <node id="12" lat="60.1708" lon="24.9402"/>
 <node id="13" lat="60.1712" lon="24.9403"><tag k="shop" v="supermarket"/></node>
 <node id="14" lat="60.1715" lon="24.9395"/>
 <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="building" v="apartments"/><tag k="building:levels" v="5"/></way>
 <way id="101"><nd ref="6"/><nd ref="7"/><nd ref="8"/><tag k="highway" v="footway"/><tag k="oneway:foot" v="yes"/></way>
 <way id="102"><nd ref="9"/><nd ref="10"/><nd ref="11"/><nd ref="12"/><nd ref="9"/></way>
 <way id="103"><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="14"/><nd ref="6"/></way>
 <relation id="200"><member type="way" ref="103" role="outer"/><member type="way" ref="102" role="inner"/><tag k="type" v="multipolygon"/><tag k="building" v="yes"/></relation>
 <relation id="201"><member type="way" ref="103" role="outer"/><tag k="type" v="boundary"/><tag k="boundary" v="administrative"/><tag k="admin_level" v="8"/><tag k="name" v="Kamppi"/></relation>
</osm>
"""
    put("osm_xml", "small.osm", xml)
    put("osm_xml", "truncated.osm", xml[: len(xml) // 2])
    # The first 120 lines of the Kamppi fixture, closed.
    lines = open(os.path.join(ROOT, "tests", "fixtures", "helsinki-kamppi.osm"), encoding="utf-8").read().splitlines()
    head = [l for l in lines[:120] if not l.strip().startswith("</osm")]
    put("osm_xml", "kamppi_head.osm", "\n".join(head) + "\n</osm>\n")


# ---------------------------------------------------------------- network
def network_seeds():
    def rec(tag, x, y):
        return struct.pack("<Bhh", tag, x, y)
    # a grid of 4x4 nodes in metres (scale 1.0 = tag % 5 == 2), lines along rows and columns
    grid = b""
    for r in range(4):
        grid += b"".join(rec(2, 10 * c, 10 * r) for c in range(4)) + rec(0, r % 3, 0)
    for c in range(4):
        grid += b"".join(rec(2, 10 * c, 10 * r) for r in range(4)) + rec(0, 1, 0)
    put("network", "grid_undirected.bin", bytes([1, 0, 0]) + grid)
    put("network", "grid_directed_min4.bin", bytes([2, 4, 1]) + grid)
    near = rec(2, 0, 0) + rec(7, 1, 0) + rec(12, 2, 0) + rec(1, 0, 0) + rec(2, 3, 0) + rec(0, 2, 0) + rec(3, 5, 5) + rec(4, -5, 5)
    put("network", "tolerance_and_nan.bin", bytes([3, 2, 1]) + near)


# ---------------------------------------------------------------- prj
def prj_seeds():
    text = open(os.path.join(ROOT, "src", "crs", "prj.rs"), encoding="utf-8").read()
    found = re.findall(r'r#"((?:PROJCS|GEOGCS)\[.*?)"#', text)
    for i, wkt in enumerate(found):
        put("prj", f"from_prj_rs_{i:02}.prj", wkt)
    put("prj", "cgcs2000_gk_cm117.prj", CGCS_GK_PRJ)
    put("prj", "wgs84_utm50n_esri.prj", 'PROJCS["WGS_1984_UTM_Zone_50N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]')
    put("prj", "web_mercator.prj", 'PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Mercator_Auxiliary_Sphere"],PARAMETER["False_Easting",0.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",0.0],PARAMETER["Standard_Parallel_1",0.0],PARAMETER["Auxiliary_Sphere_Type",0.0],UNIT["Meter",1.0]]')
    put("prj", "wkt2_id.prj", 'PROJCRS["CGCS2000 / 3-degree Gauss-Kruger CM 117E",BASEGEOGCRS["China Geodetic Coordinate System 2000",DATUM["China 2000",ELLIPSOID["CGCS2000",6378137,298.257222101]]],CONVERSION["3-degree Gauss-Kruger CM 117E",METHOD["Transverse Mercator"],PARAMETER["Longitude of natural origin",117],PARAMETER["Scale factor at natural origin",1],PARAMETER["False easting",500000]],ID["EPSG",4548]]')


if __name__ == "__main__":
    shapefile_seeds()
    osm_seeds()
    network_seeds()
    prj_seeds()
