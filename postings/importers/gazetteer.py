"""Which province each work location named in the source documents lies in.

Locations are checked against this list on import: a name that is not here is
far more often a name the extraction broke (呼 | 和浩特市) than a new place,
so the import stops and names the line instead of inventing a location.
Add a place here when a new document names one.
"""

PROVINCE_OF = {
    # Municipalities and provincial capitals
    "北京市": "北京",
    "上海市": "上海",
    "天津市": "天津",
    "重庆市": "重庆",
    "合肥市": "安徽",
    "呼和浩特市": "内蒙古",
    "武汉市": "湖北",
    "成都市": "四川",
    "广州市": "广东",
    "西安市": "陕西",
    "南宁市": "广西",
    "银川市": "宁夏",
    "雄安新区": "河北",
    # Heilongjiang
    "桦南县": "黑龙江",
    "方正县": "黑龙江",
    "杜尔伯特县": "黑龙江",
    "泰来县": "黑龙江",
    "庆安县": "黑龙江",
    "望奎县": "黑龙江",
    "通河县": "黑龙江",
    # Gansu
    "静宁县": "甘肃",
    "环县": "甘肃",
    # Qinghai
    "同仁市": "青海",
    "玉树市": "青海",
    # Xinjiang
    "喀什市": "新疆",
    "疏勒县": "新疆",
    "巴楚县": "新疆",
    "图木舒克市": "新疆",
    "草湖镇": "新疆",
    "拜城县": "新疆",
    "和田市": "新疆",
    "阿图什市": "新疆",
    "若羌县": "新疆",
    "轮台县": "新疆",
    "和静县": "新疆",
    "铁门关市": "新疆",
    "霍城县": "新疆",
    "霍尔果斯市": "新疆",
    "胡杨河市": "新疆",
    "玛纳斯县": "新疆",
    "准东经济技术开发区": "新疆",
    "克拉玛依市": "新疆",
    "巴里坤县": "新疆",
    "吐鲁番市": "新疆",
    "阿勒泰市": "新疆",
    "北屯市": "新疆",
}
