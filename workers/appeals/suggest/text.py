"""Chinese text for the suggestion models: segmentation with jieba, cleaning, a few domain words.

jieba's dictionary ships inside its wheel, so segmentation works offline; the tokenizer is made once
per process (about a second to load its dictionary; jieba caches it in the temp folder).
"""

from __future__ import annotations

import logging
import re
import threading

import jieba

jieba.setLogLevel(logging.WARNING)

# Words of the appeals' domain that jieba's general dictionary splits apart; added so that the
# explanation shows whole terms (增容, 留抵退税, 不动产权证, …).
DOMAIN_WORDS = (
    "增容", "接电", "报装", "送电", "并网", "跳闸", "电价", "有序用电", "双电源", "电费",
    "奖补", "奖补资金", "稳岗返还", "加计扣除", "留抵退税", "专精特新", "规上企业", "高新技术企业", "惠企政策",
    "不动产权证", "土地证", "摘牌", "容积率", "占补平衡", "调规", "出让金", "临时用地", "集体建设用地",
    "抽贷", "压贷", "续贷", "转贷", "担保费", "反担保", "贴息", "授信", "首贷", "质押融资", "产业引导基金",
    "职称评审", "人才公寓", "安家补贴", "高层次人才", "技能大师", "子女入学",
    "招工", "用工", "普工", "返岗", "劳动仲裁", "劳动争议", "工伤认定", "共享用工", "以工代训", "岗前培训",
    "环评", "能评", "节能审查", "施工许可", "施工图审查", "联合验收", "并联审批", "代办", "阻工", "备案",
    "重复检查", "顶格处罚", "推诿", "摊派", "乱收费", "一次性告知", "经营异常名录", "信用修复",
    "工程款", "货款", "尾款", "欠款", "质保金", "审计结算", "回购款",
)
_PUNCT_OR_NUMBER = re.compile(r"^[\W\d_a-zA-Z]*$")
# function words that carry no category (jieba keeps them as tokens)
STOPWORDS = frozenset("的 了 和 与 及 是 在 有 也 都 就 还 又 被 把 对 等 为 将 让 要 说 我们 我 你好 你 他们 "
                      "这 那 个 一 一直 已 已经 仍 至今 企业 公司 请 希望 协调 问题 反映 尽快 目前 现在".split())

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def tokenizer() -> jieba.Tokenizer:
    """The process's jieba tokenizer with the domain words (made on first use, thread-safe)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                tok = jieba.Tokenizer()
                tok.initialize()
                for word in DOMAIN_WORDS:
                    tok.add_word(word, freq=20000)
                _tokenizer = tok
    return _tokenizer


def words(text: str) -> list[str]:
    """The content words of `text` (jieba, precise mode, HMM for unknown words), without punctuation,
    numbers, Latin letters and stop words; plus adjacent word pairs (`增容|接电`) as features."""
    tokens = [t for t in tokenizer().lcut(text or "") if t.strip() and t not in STOPWORDS
              and not _PUNCT_OR_NUMBER.match(t)]
    return tokens + [f"{a}|{b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def appeal_text(problem: str | None, requested_help: str | None) -> str:
    """The text the models read: 主要困难和问题 and 希望协调解决的具体事项, one line."""
    return "\n".join(part.strip() for part in (problem or "", requested_help or "") if part and part.strip())
