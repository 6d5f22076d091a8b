"""Synonyms: how residents name government services versus the official words.

The lists are general knowledge of everyday Chinese for public services (what people say at a
service window or on a hotline), not a copy of any evaluation query. Administrators edit the
live list in the CMS; these defaults seed it. Lines use the Solr/Elasticsearch format that the
``synonym_graph`` filter reads, so the same list drives both backends:

* ``"社保, 社会保险"`` — terms that mean the same thing (both directions);
* ``"没工作 => 失业"`` — a one-way rule: a resident's phrase points to the official word.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

#: Groups of equivalent terms (either may be typed, both are searched).
DEFAULT_SYNONYMS: list[list[str]] = [
    # 社会保险与社保卡
    ["社保", "社会保险", "社会保障"],
    ["社保卡", "社会保障卡", "社会保障卡申领"],
    ["医保", "医疗保险", "基本医疗保险", "医疗保障"],
    ["医保卡", "医保电子凭证", "医保码", "电子医保卡"],
    ["居民医保", "城乡居民医保", "城乡居民基本医疗保险", "新农合"],
    ["养老保险", "基本养老保险", "养老保险金"],
    ["居民养老保险", "城乡居民养老保险", "新农保"],
    ["养老金", "退休金", "养老保险待遇", "退休工资"],
    ["退休", "办退休", "退休申请"],
    ["失业金", "失业保险金", "失业救济金", "失业补助金"],
    ["工伤", "工伤保险", "工伤认定"],
    ["生育保险", "生育津贴"],
    ["断缴", "断保", "停保"],
    ["参保", "交社保", "缴费", "续保"],
    ["公积金", "住房公积金"],
    ["个税", "个人所得税"],
    # 户籍与证件
    ["户口", "户籍"],
    ["上户口", "报户口", "落户", "入户", "出生登记", "新生儿落户"],
    ["迁户口", "户口迁移", "户口迁入"],
    ["销户", "户口注销", "注销户口"],
    ["户口本", "户口簿"],
    ["身份证", "居民身份证", "二代证"],
    ["居住证", "暂住证"],
    ["驾照", "驾驶证", "驾驶执照", "机动车驾驶证"],
    ["行驶证", "机动车行驶证"],
    ["护照", "因私护照", "普通护照"],
    ["港澳通行证", "往来港澳通行证"],
    ["出入境", "出国", "出境"],
    ["结婚证", "结婚登记", "领证"],
    ["离婚", "离婚登记"],
    ["房产证", "不动产权证", "不动产证", "不动产权证书"],
    ["出生证", "出生证明", "出生医学证明"],
    ["营业执照", "执照", "营业证"],
    ["个体户", "个体工商户", "个体经营"],
    ["开公司", "企业设立", "公司注册"],
    # 社会救助与民政
    ["低保", "最低生活保障", "低保金", "吃低保"],
    ["低保边缘", "低保边缘家庭", "低收入家庭"],
    ["五保", "五保户", "特困", "特困供养", "特困人员"],
    ["困难户", "困难家庭", "贫困户"],
    ["救助", "救济"],
    ["临时救助", "急难救助", "应急救助"],
    ["孤儿", "事实孤儿", "事实无人抚养儿童"],
    ["丧葬", "殡葬", "丧葬费", "殡葬补贴"],
    ["去世", "死亡", "过世", "离世", "身故"],
    ["老人", "老年人", "长者", "老年"],
    ["高龄津贴", "高龄补贴", "长寿补贴"],
    ["老年证", "老年人优待证", "老年优待证", "老年卡"],
    ["独居老人", "空巢老人", "孤寡老人"],
    ["养老院", "敬老院", "养老机构"],
    ["居家养老", "上门养老", "养老上门服务"],
    ["老年食堂", "长者食堂", "老年餐桌", "助餐"],
    ["补贴", "补助", "津贴"],
    # 残疾人
    ["残疾证", "残疾人证"],
    ["残疾人", "残障人士"],
    ["辅具", "辅助器具", "康复器具"],
    ["自闭症", "孤独症"],
    # 就业
    ["失业", "下岗"],
    ["欠薪", "拖欠工资", "讨薪", "工资拖欠", "欠工资"],
    ["工资", "工钱", "薪水", "薪资"],
    ["辞退", "解雇", "开除", "裁员"],
    ["劳动监察", "劳动保障监察"],
    ["灵活就业", "打零工", "自由职业"],
    ["就业创业证", "就业失业登记证", "失业证", "就业证"],
    ["技能培训", "职业培训", "职业技能培训"],
    # 卫生健康与生育
    ["准生证", "生育服务证", "生育登记"],
    ["新生儿", "婴儿", "宝宝", "刚出生的孩子"],
    ["孩子", "小孩", "子女", "儿童"],
    ["疫苗", "预防接种", "预防针", "打疫苗", "打预防针"],
    ["家庭医生", "签约医生"],
    ["体检", "健康体检"],
    ["孕妇", "孕产妇", "怀孕"],
    ["慢性病", "慢病", "慢特病"],
    ["看病", "就医", "就诊"],
    ["异地就医", "外地看病", "跨省就医"],
    ["报销", "报账"],
    ["独生子女", "独生子女父母"],
    # 退役军人
    ["退役军人", "退伍军人", "退伍兵", "老兵"],
    ["退役", "退伍", "复员", "转业"],
    # 住房与公用事业
    ["公租房", "公共租赁住房", "廉租房", "保障房", "保障性住房"],
    ["租房", "租房子", "租赁住房"],
    ["房东", "出租人"],
    ["维修基金", "维修资金", "专项维修资金"],
    ["加装电梯", "增设电梯", "装电梯"],
    ["暖气", "供暖", "采暖", "供热"],
    ["燃气", "天然气", "煤气"],
    ["自来水", "供水"],
    ["过户", "更名"],
    # 治安与社区事务
    ["电动车", "电动自行车", "电瓶车"],
    ["上牌", "挂牌", "登记上牌"],
    ["狗证", "犬只登记", "养犬登记", "养狗登记"],
    ["狗", "犬", "犬只"],
    ["志愿者", "义工", "志愿服务"],
    ["调解", "纠纷调解", "人民调解"],
    ["吵架", "纠纷", "矛盾"],
    ["证明", "开证明"],
    ["居委会", "社区居委会", "居民委员会"],
    ["网上办", "网上办理", "在线办理", "网办", "线上办理"],
    ["12345", "市民热线", "市民服务热线", "政务热线"],
]

#: One-way rules: a resident's everyday phrase points to the official words (not back).
DEFAULT_ONE_WAY: list[tuple[list[str], list[str]]] = [
    (["没工作", "没有工作", "丢了工作", "找不到工作", "被辞退"], ["失业"]),
    (["生孩子", "生娃", "生小孩", "生二胎", "生三胎"], ["生育"]),
    (["养孩子", "带孩子"], ["育儿"]),
    (["爸妈", "父母", "我爸", "我妈", "老爸", "老妈", "爷爷", "奶奶", "姥姥", "姥爷", "外公", "外婆"], ["老人"]),
    (["没钱", "缺钱", "生活困难", "日子过不下去"], ["困难"]),
    (["丢了", "丢失", "弄丢", "找不到了"], ["补办", "补领"]),
    (["过期", "到期"], ["换领", "换证"]),
    (["改名字", "改名"], ["变更"]),
    (["上班", "打工"], ["就业"]),
    (["开店", "做生意", "摆摊"], ["个体工商户", "营业执照"]),
    (["住院"], ["医疗", "就医"]),
    (["生病", "得病", "大病"], ["医疗", "救助"]),
    (["腿脚不便", "瘫痪", "瘫在床上", "卧床", "卧床不起", "不能自理", "生活不能自理"], ["失能", "护理"]),
    (["领钱", "发钱", "给钱", "有钱领", "能领钱", "多少钱"], ["补贴", "待遇", "领取"]),
    (["不给钱", "不发工资", "没拿到钱", "拿不到钱", "要不到钱", "工钱没给"], ["欠薪", "拖欠工资"]),
    (["租出去", "租给别人", "往外租"], ["出租"]),
    (["部队", "当兵", "当过兵", "从部队回来"], ["军人", "退役"]),
    (["搬家", "搬过来"], ["迁入", "迁移"]),
    (["房租"], ["租房", "租赁"]),
]


@dataclass(frozen=True)
class SynonymSet:
    """Equivalence groups plus one-way rules, ready for query expansion.

    ``expand(term)`` answers "which other words should a search for *term* also find";
    ``to_solr()`` writes the same knowledge in the Elasticsearch ``synonym_graph`` format.
    """

    groups: tuple[tuple[str, ...], ...] = ()
    one_way: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()
    _lookup: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        lookup: dict[str, list[str]] = {}
        for group in self.groups:
            for term in group:
                bucket = lookup.setdefault(term, [])
                bucket.extend(other for other in group if other != term and other not in bucket)
        for sources, targets in self.one_way:
            for term in sources:
                bucket = lookup.setdefault(term, [])
                bucket.extend(target for target in targets if target != term and target not in bucket)
        self._lookup.update({term: tuple(others) for term, others in lookup.items()})

    def expand(self, term: str) -> tuple[str, ...]:
        """Other terms to search for *term* (empty if it has none)."""
        return self._lookup.get(term, ())

    @property
    def terms(self) -> set[str]:
        """Every term that appears anywhere in the set (they all join the user dictionary)."""
        found: set[str] = set()
        for group in self.groups:
            found.update(group)
        for sources, targets in self.one_way:
            found.update(sources)
            found.update(targets)
        return found

    def to_solr(self) -> list[str]:
        """Lines in the Solr synonym format accepted by Elasticsearch's ``synonym_graph``."""
        lines = [", ".join(group) for group in self.groups if len(group) > 1]
        lines += [f"{', '.join(sources)} => {', '.join(targets)}" for sources, targets in self.one_way]
        return lines


def parse_synonyms(entries: Iterable[str | Sequence[str]]) -> SynonymSet:
    """Build a :class:`SynonymSet` from CMS entries.

    An entry is either a sequence of equivalent terms or one line in Solr format
    (``"a, b, c"`` or ``"a, b => c"``). Blank entries and ``#`` comments are ignored, so an
    administrator's text area can be passed line by line.
    """
    groups: list[tuple[str, ...]] = []
    one_way: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    for entry in entries:
        if isinstance(entry, str):
            line = entry.strip()
            if not line or line.startswith("#"):
                continue
            if "=>" in line:
                left, right = line.split("=>", 1)
                sources, targets = _split_terms(left), _split_terms(right)
                if sources and targets:
                    one_way.append((sources, targets))
                continue
            terms = _split_terms(line)
        else:
            terms = tuple(dict.fromkeys(t.strip() for t in entry if t and t.strip()))
        if len(terms) > 1:
            groups.append(terms)
    return SynonymSet(groups=tuple(groups), one_way=tuple(one_way))


def _split_terms(text: str) -> tuple[str, ...]:
    normalized = text.replace("，", ",").replace("、", ",")
    return tuple(dict.fromkeys(t.strip() for t in normalized.split(",") if t.strip()))


def default_synonyms() -> SynonymSet:
    """The shipped defaults as one set: equivalence groups plus the one-way rules."""
    rules: list[str | Sequence[str]] = list(DEFAULT_SYNONYMS)
    rules += [f"{', '.join(sources)} => {', '.join(targets)}" for sources, targets in DEFAULT_ONE_WAY]
    return parse_synonyms(rules)
