#!/usr/bin/env python3
"""Rebuild the CJK font subset that lifecircle embeds (assets/fonts/).

The map PNG and the HTML report draw Chinese labels with a subset of Noto Sans CJK SC Regular
(SIL OFL 1.1). This script regenerates the character list from the repository and cuts the subset
again. Run it after adding Chinese text to a profile, the CLI or the README when the test
`render::png::tests::embedded_font_covers_every_built_in_profile` names a missing character:

    apt-get install fonts-noto-cjk      # Debian bookworm: 1:20220127+repack1-1 (Noto Sans CJK 2.004)
    pip install fonttools               # 4.68.0 was used
    python3 tools/subset_font.py        # from the repository root

It writes assets/fonts/NotoSansCJKsc-Regular-subset.otf and assets/fonts/charset.txt (the list of
characters asked for, one line per block, to diff in review). Not run by CI: the subset is
committed, and CI only checks that it covers the built-in profiles.

The characters are:
  - printable ASCII, Latin-1 punctuation and signs, and common typographic symbols;
  - full-width CJK punctuation;
  - every non-ASCII character of src/**/*.rs, src/**/*.toml and README.md;
  - EXTRA_WORDS below: words a committee report or map will need that the code does not hold yet;
  - the 3,500 characters of level 1 of the 通用规范汉字表 (2013), from
    assets/fonts/tongyong-guifan-level1.txt (in the table's order);
but never NOT_IN_SUBSET, the characters the tests use as ones the font lacks.
"""

from __future__ import annotations

import glob
import os
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FAMILY = "Noto Sans CJK SC"
OUT_DIR = "assets/fonts"
OUT_FONT = os.path.join(OUT_DIR, "NotoSansCJKsc-Regular-subset.otf")
OUT_CHARSET = os.path.join(OUT_DIR, "charset.txt")
LEVEL1 = os.path.join(OUT_DIR, "tongyong-guifan-level1.txt")

ASCII = "".join(chr(c) for c in range(0x20, 0x7F))
# Latin-1 signs and letters, typographic punctuation, arrows, maths and units used in reports.
SYMBOLS = (
    "".join(chr(c) for c in range(0xA0, 0x100))
    + "–—‘’‚“”„†‡•…‰′″‹›€™№℃←↑→↓↔⇔∑−∓√∞∼≈≠≡≤≥⊂⊃∈∉∂∆∇⌀■□▲△▶▼◆◇○●★☆✓✗"
    + "⁰¹²³⁴⁵⁶⁷⁸⁹⁻₀₁₂₃"
)
# Full-width and CJK punctuation.
CJK_PUNCT = "，。、：；？！（）《》〈〉「」『』【】〔〕〖〗“”‘’·…—～｀－＋＝％＃＆＊／＼｜￥〇　"
EXTRA_WORDS = (
    "零一二三四五六七八九十百千万亿户人米分钟秒小时平方公顷公里千米"
    "图例 比例尺 指北针 覆盖 缺口 未覆盖 服务 设施 居民 住户 人口 类别 全部 通过 未通过 未评估 "
    "数据来源 方法 指标 目标 数值 结论 来源 最大 区域 面积 网络 直线 步行 距离 速度 绕行系数 "
    "可达 不可达 剔除 报告 生成 社区 生活圈 分钟 地图 网格 单元 聚合 以上 以下 排名 说明 "
    "街道 乡镇 村 居委会 社区卫生服务站 幼儿园 小学 中学 菜市场 养老 托育 文化 体育 公园 "
    "日期 版本 作者 页 第 共 合计 平均 中位数 占比 比例 数量 人数 户数 覆盖率 缺口率 达标 不达标"
)
SOURCES = ["src/**/*.rs", "src/**/*.toml", "README.md"]
# Characters the tests and docs use as examples of what the subset lacks: never added.
NOT_IN_SUBSET = "龘鬱"


def repo_chars() -> set[str]:
    """Every non-ASCII character in the repository's text sources."""
    chars: set[str] = set()
    for pattern in SOURCES:
        for path in sorted(glob.glob(pattern, recursive=True)):
            with open(path, encoding="utf-8") as f:
                chars.update(c for c in f.read() if ord(c) > 0x7F)
    return chars


def level1() -> str:
    with open(LEVEL1, encoding="utf-8") as f:
        text = "".join(f.read().split())
    if len(text) != 3500 or len(set(text)) != 3500:
        sys.exit(f"{LEVEL1}: expected 3500 distinct characters, found {len(set(text))}")
    return text


def main() -> None:
    if not os.path.isdir(OUT_DIR) or not os.path.isdir("src"):
        sys.exit("run from the repository root")
    try:
        collection = TTCollection(SOURCE)
    except FileNotFoundError:
        sys.exit(f"{SOURCE} not found: apt-get install fonts-noto-cjk")
    fonts = [f for f in collection.fonts if f["name"].getDebugName(1) == FAMILY]
    if not fonts:
        sys.exit(f"{SOURCE} holds no {FAMILY}")
    font = fonts[0]

    wanted = set(ASCII) | set(SYMBOLS) | set(CJK_PUNCT) | set(EXTRA_WORDS.replace(" ", ""))
    wanted |= repo_chars() | set(level1())
    wanted -= set(NOT_IN_SUBSET)
    cmap = font.getBestCmap()
    absent = sorted(c for c in wanted if ord(c) not in cmap)
    wanted = {c for c in wanted if ord(c) in cmap}

    options = subset.Options()
    options.layout_features = ["kern", "liga"]
    options.hinting = False
    options.drop_tables += ["BASE", "VORG", "vhea", "vmtx", "DSIG"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 7, 13, 14]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in wanted))
    subsetter.subset(font)
    font.recalcTimestamp = False  # keep the source's head.modified: same input, same bytes
    font.save(OUT_FONT)

    cjk = sorted(c for c in wanted if 0x3400 <= ord(c) <= 0x9FFF)
    other = sorted(c for c in wanted if not 0x3400 <= ord(c) <= 0x9FFF)
    with open(OUT_CHARSET, "w", encoding="utf-8") as f:
        f.write(f"# Characters of {os.path.basename(OUT_FONT)}: written by tools/subset_font.py, do not edit.\n")
        f.write(f"# {len(wanted)} characters, {len(cjk)} of them CJK ideographs.\n")
        f.write("".join(other).replace("\n", "") + "\n")
        for i in range(0, len(cjk), 100):
            f.write("".join(cjk[i : i + 100]) + "\n")
    size = os.path.getsize(OUT_FONT)
    print(f"{OUT_FONT}: {size} bytes, {len(wanted)} characters ({len(cjk)} CJK ideographs)")
    if absent:
        print("not in the source font (left out): " + " ".join(f"U+{ord(c):04X}" for c in absent))


if __name__ == "__main__":
    main()
