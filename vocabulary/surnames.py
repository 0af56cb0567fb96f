"""Chinese family names: the single-character ones of the 百家姓 and the common later ones, and
the compound ones.

What it is for: a person's name on an ID card or a licence starts with a family name, and OCR
misreads a rare one as a common character that is no family name (裴 as 装, 熊 as 紫). A name
whose first character (or first two) is no family name here is doubted, not rejected: rare
family names exist beyond any list. Source: the classical 百家姓 (public domain) and the
commonly listed additions of the national name statistics.
"""

from __future__ import annotations

_SINGLE = """
赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎
鲁韦昌马苗凤花方俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康伍余元卜顾孟平黄
和穆萧尹姚邵湛汪祁毛禹狄米贝明臧计伏成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵席季麻强贾路娄危江童颜郭
梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍虞万支柯昝管卢莫经房裘缪干解应宗丁宣贲邓郁单杭洪包诸左石崔吉钮龚
程嵇邢滑裴陆荣翁荀羊於惠甄曲家封芮羿储靳汲邴糜松井段富巫乌焦巴弓牧隗山谷车侯宓蓬全郗班仰秋仲伊宫
宁仇栾暴甘钭厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄印宿白怀蒲邰从鄂索咸籍赖卓蔺屠蒙池乔阴郁胥能苍双
闻莘党翟谭贡劳逄姬申扶堵冉宰郦雍却璩桑桂濮牛寿通边扈燕冀郏浦尚农温别庄晏柴瞿阎充慕连茹习宦艾鱼容
向古易慎戈廖庾终暨居衡步都耿满弘匡国文寇广禄阙东欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛阚那简饶空
曾毋沙乜养鞠须丰巢关蒯相查后荆红游竺权逯盖益桓公晋楚闫法汝鄢涂钦岳帅缑亢况郈有琴商牟佘佴伯赏墨哈
谯笪年爱阳佟付覃代仝续练揭鄞栗丛冼诸过赫问邸秘银台睢死粘归海召俎菅侍逢迟伦种殷蔡亓盘蹇吾苟禚拓缪
占母郇芦植候蒿来藏智求仵帖鲜邝郄晃虎奉仝郑卿敬招闪操"""
# 死 is listed in no register; the line keeps the classical order, the set below drops it

_COMPOUND = (
    "万俟 司马 上官 欧阳 夏侯 诸葛 闻人 东方 赫连 皇甫 尉迟 公羊 澹台 公冶 宗政 濮阳 淳于 单于 太叔 申屠 "
    "公孙 仲孙 轩辕 令狐 钟离 宇文 长孙 慕容 鲜于 闾丘 司徒 司空 亓官 司寇 子车 颛孙 端木 巫马 公西 "
    "漆雕 乐正 壤驷 公良 拓跋 夹谷 宰父 谷梁 段干 百里 东郭 南门 呼延 羊舌 微生 梁丘 左丘 东门 西门 "
    "南宫 第五 买买提 阿不都"
)

SINGLE_SURNAMES: frozenset[str] = frozenset(ch for ch in _SINGLE if not ch.isspace()) - {"死"}
"""Single-character family names."""

COMPOUND_SURNAMES: frozenset[str] = frozenset(_COMPOUND.split())
"""Two-character (and a few longer) family names."""


def has_known_surname(name: str) -> bool:
    """True when `name` starts with a family name of the lists (a name with ``·``, written in
    the order of a minority language, is taken as it is)."""
    if "·" in name or "•" in name:
        return True
    return name[:1] in SINGLE_SURNAMES or any(name.startswith(s) for s in COMPOUND_SURNAMES)
