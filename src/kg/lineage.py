"""Task lineage: which task a county task implements, and which task it continues from last year.

Method (pure Python, no model): each task text becomes a sparse vector; two tasks score in [0, 1].

1. Normalise: NFKC (full-width forms), traditional -> simplified, no spaces.
2. Quantities: every number with a unit ("1万亩", "6亿元", "80%") is read into base units and
   replaced by a break; it adds a unit token ("亩") and a value token ("亩=10000"). Levels restate a
   task with their own numbers, so the unit says more than the value; a repeated value (the same
   task next year, or a task copied down unchanged) still counts. Other numbers become breaks.
3. Words that carry no task identity (推进, 加快, 完成, 郑州市下达的, …) and punctuation become breaks.
4. The rest becomes character bigrams within each stretch between breaks; the bigram just before a
   quantity (the indicator: 抚育 in 森林抚育1万亩) counts double.
5. Weights are TF-IDF, the inverse document frequency taken from the tasks being linked (both
   notices), so phrases that every task of the two notices repeats weigh little.
6. Score = max(cosine of the whole texts, 0.8 x the best cosine between a clause of one and a clause
   of the other). Long tasks often share one headline clause (深入推进大气污染防治，…) and differ in
   the detail that follows, which drowns a whole-text cosine.

`link` gives each child task its best-scoring parent task when that score reaches THRESHOLD.
`kg ingest` applies it to pairs of documents (kg.graph.links) and records METHOD and the score on
every link; `pair_targets` says which target of the parent task each child target restates.

Measured with scripts/lineage_eval.py on tests/fixtures/lineage/pairs.json (65 hand-labelled pairs,
33 same / 32 different, many of them hard negatives from the same field or with the same numbers;
the threshold is chosen on the 33 dev pairs): at 0.45, dev P=0.94 R=0.88, test P=0.93 R=0.88,
all P=0.94 R=0.88 F1=0.91. On the seed notice (一 against 二) it links exactly 一.2->二.20,
一.6->二.23 and 一.7->二.22. The clause step (6) was added after whole-text cosine missed 一.7/二.22,
so the test half was seen during design; treat it as a check, not a pristine hold-out.
Known misses: near-identical wording with a different verb (引进 vs 开工建设 项目100个) links;
tasks restated in wholly different words (疫情防控 across years) do not.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import zhconv

from kg.model import Notice, Task

THRESHOLD = 0.45  # chosen on the dev pairs by scripts/lineage_eval.py (best F1, middle of the best run)
# What gw:method says on every stored link: change it whenever scores or the threshold change.
METHOD = f"kg.lineage 1: TF-IDF character bigrams with quantities, best clause x0.8; threshold {THRESHOLD}"

# Generic verbs, degree words and boilerplate of the genre: they say how, not what.
STOP_PHRASES = (
    "郑州市下达的", "上级下达的", "上级下达", "市下达的", "省下达的",
    "进一步", "持续", "继续", "深入", "全面", "加快", "加大", "积极", "扎实", "着力", "大力", "切实", "认真",
    "稳步", "有序", "不断", "努力", "全力", "始终", "坚决", "严格", "推进", "推动", "实施", "开展", "完成",
    "落实", "加强", "强化", "提升", "提高", "确保", "坚持", "做好", "抓好", "聚焦", "围绕", "统筹", "支持",
    "以上", "以下", "以内", "左右", "不少于", "不低于", "不超过", "达到", "控制在", "稳定在", "力争",
    "年底前", "上半年", "下半年", "全年", "年度", "工作", "任务", "我市", "全市", "全县", "全区", "全省",
)  # fmt: skip
UNITS = (
    "微克/立方米", "平方公里", "平方米", "立方米", "个百分点", "百分点", "人次", "公里", "千米", "公顷", "千瓦",
    "%", "亩", "人", "户", "个", "家", "所", "张", "元", "吨", "斤", "头", "只", "套", "座", "条", "项", "辆",
    "台", "场", "次", "间", "处", "栋", "米", "件", "名", "批", "篇", "部", "株", "棵", "床",
)  # fmt: skip
_MULTIPLIERS = {"万亿": Decimal(10) ** 12, "亿": Decimal(10) ** 8, "万": Decimal(10) ** 4, "": Decimal(1)}
_QUANTITY = re.compile(
    r"(\d+(?:\.\d+)?)(万亿|亿|万|)(" + "|".join(re.escape(u) for u in UNITS) + r")",
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_STOP = re.compile("|".join(sorted(map(re.escape, STOP_PHRASES), key=len, reverse=True)))
_BREAK = "|"
_CLAUSE_END = re.compile(r"[。；;！？!?，,：:]")
MIN_CLAUSE_FEATURES = 3  # shorter clauses (做好工作, 完成任务) say nothing on their own


@dataclass(frozen=True)
class Weights:
    """How much each kind of feature counts (the defaults are the measured method)."""

    unit: float = 1.0  # a unit token ("亩") per quantity
    value: float = 1.0  # a value token ("亩=10000") per quantity
    indicator: float = 2.0  # multiplier for the bigram just before a quantity
    stop_phrases: bool = True
    clause: float = 0.8  # weight of the best-matching pair of clauses (0: whole texts only)


DEFAULT_WEIGHTS = Weights()


def normalise(text: str) -> str:
    """NFKC, simplified characters, no whitespace."""
    text = zhconv.convert(unicodedata.normalize("NFKC", text), "zh-hans")
    return re.sub(r"\s+", "", text)


def features(text: str, weights: Weights = DEFAULT_WEIGHTS) -> Counter[str]:
    """Raw feature counts of one task text (before IDF)."""
    text = normalise(text)
    counts: Counter[str] = Counter()
    indicators: set[int] = set()

    def quantity(match: re.Match[str]) -> str:
        value = Decimal(match.group(1)) * _MULTIPLIERS[match.group(2)]
        unit = match.group(3).removeprefix("个") if match.group(3) == "个百分点" else match.group(3)
        counts[f"#{unit}"] += weights.unit
        counts[f"#{unit}={value.normalize():f}"] += weights.value
        indicators.add(match.start())
        return _BREAK + "\0" * (len(match.group(0)) - 1)  # keep offsets, so indicators stay findable

    text = _QUANTITY.sub(quantity, text)
    text = _NUMBER.sub(lambda m: _BREAK * len(m.group(0)), text)
    if weights.stop_phrases:
        text = _STOP.sub(lambda m: _BREAK * len(m.group(0)), text)
    for i in range(len(text) - 1):
        pair = text[i : i + 2]
        if pair.isalpha():  # CJK characters and letters; breaks, digits and punctuation are not
            counts[pair] += weights.indicator if i + 2 in indicators else 1.0
    return counts


# Each Scorer (one per pair of documents linked) needs the features of every task text and of its
# clauses; a notice is linked to each of its neighbours (last and next year, parent and child
# notices), so in a batch the same texts come back a few notices later. Counters here are shared:
# read only.
_shared_features = lru_cache(maxsize=4096)(features)


class Scorer:
    """Scores pairs of task texts with IDF taken from a corpus of task texts (the tasks being linked)."""

    def __init__(self, corpus: Iterable[str], weights: Weights = DEFAULT_WEIGHTS) -> None:
        self.weights = weights
        self._features: dict[str, Counter[str]] = {}
        documents = list(dict.fromkeys(corpus))
        df: Counter[str] = Counter()
        for text in documents:
            df.update(self._raw(text).keys())
        n = len(documents)
        self._idf = {term: math.log((n + 1) / (count + 1)) + 1.0 for term, count in df.items()}
        self._default_idf = math.log(n + 1) + 1.0  # a term the corpus never saw
        self._vectors: dict[str, tuple[dict[str, float], float]] = {}
        self._clause_cache: dict[str, list[str]] = {}
        self._clause_vector_cache: dict[str, list[tuple[dict[str, float], float]]] = {}

    def _raw(self, text: str) -> Counter[str]:
        if text not in self._features:
            self._features[text] = _shared_features(text, self.weights)
        return self._features[text]

    def vector(self, text: str) -> tuple[dict[str, float], float]:
        """TF-IDF vector of a text and its norm (cached)."""
        if text not in self._vectors:
            vec = {
                t: (1.0 + math.log(c)) * self._idf.get(t, self._default_idf)
                for t, c in self._raw(text).items()
                if c > 0
            }
            self._vectors[text] = vec, math.sqrt(sum(v * v for v in vec.values()))
        return self._vectors[text]

    def cosine(self, a: str, b: str) -> float:
        """Cosine similarity of the vectors of two texts, 0..1."""
        (va, na), (vb, nb) = self.vector(a), self.vector(b)
        return _cosine(va, na, vb, nb)

    def score(self, a: str, b: str) -> float:
        """Similarity of two task texts, 0..1: the whole texts, or their best pair of clauses (weighted),
        whichever is higher. Clauses matter for long tasks that share one headline clause
        (深入推进大气污染防治，…) and differ in the detail that follows."""
        score = self.cosine(a, b)
        if score == 0.0:
            return 0.0  # nothing shared at all, so no pair of clauses shares anything either
        if self.weights.clause:
            # linking scores every child against every parent: this loop is most of ingest's linking
            best = 0.0
            theirs = self._clause_vectors(b)
            for va, na in self._clause_vectors(a):
                for vb, nb in theirs:
                    if not va.keys().isdisjoint(vb):  # else the cosine is 0
                        best = max(best, _cosine(va, na, vb, nb))
            score = max(score, self.weights.clause * best)
        return score

    def _clause_vectors(self, text: str) -> list[tuple[dict[str, float], float]]:
        if text not in self._clause_vector_cache:
            self._clause_vector_cache[text] = [self.vector(c) for c in self._clauses(text)]
        return self._clause_vector_cache[text]

    def _clauses(self, text: str) -> list[str]:
        if text not in self._clause_cache:
            clauses = [c for c in _CLAUSE_END.split(text) if c.strip()]
            # One clause is the whole text, already compared; short clauses say nothing on their own.
            self._clause_cache[text] = (
                [c for c in clauses if len(self.vector(c)[0]) >= MIN_CLAUSE_FEATURES]
                if len(clauses) > 1
                else []
            )
        return self._clause_cache[text]


def _cosine(va: dict[str, float], na: float, vb: dict[str, float], nb: float) -> float:
    if not na or not nb:
        return 0.0
    if len(va) > len(vb):
        va, vb = vb, va
    # terms missing from vb would add 0.0, which leaves a float sum unchanged: skip them
    return sum([w * vb[t] for t, w in va.items() if t in vb]) / (na * nb)


@dataclass(frozen=True)
class Link:
    """A child task (county / next year) linked to the parent task (city / last year) it continues."""

    child: Hashable
    parent: Hashable
    score: float


def link(
    children: Sequence[tuple[Hashable, str]],
    parents: Sequence[tuple[Hashable, str]],
    threshold: float = THRESHOLD,
    scorer: Scorer | None = None,
) -> list[Link]:
    """Each child's best parent, when it scores at least `threshold`; keys are whatever the caller uses."""
    scorer = scorer or Scorer([text for _, text in (*children, *parents)])
    index = _ParentIndex(scorer, [text for _, text in parents])
    links = []
    for child_key, child_text in children:
        best: tuple[float, Hashable] | None = None
        for j in index.contenders(child_text, threshold):
            parent_key, parent_text = parents[j]
            score = scorer.score(child_text, parent_text)
            if best is None or score > best[0]:
                best = score, parent_key
        if best is not None and best[0] >= threshold:
            links.append(Link(child_key, best[1], round(best[0], 4)))
    return links


# Rounding alone separates an estimate from Scorer.score (~1e-14 on a score in [0, 1]); a parent
# whose estimate comes within this margin of the best one is scored exactly.
_MARGIN = 1e-9


class _ParentIndex:
    """The parent texts of one `link` call by feature, to find a child's best parent without scoring
    it against every parent (most of ingest's linking: ~150 x 150 tasks per pair of notices).

    `estimates` scores a text against all parents at once, from the features it shares with them:
    the same formula as `Scorer.score`, summed in another order, so it differs by rounding only.
    `contenders` keeps the parents whose estimate comes within _MARGIN of the best one; `link`
    scores those exactly, in the parents' order, so it picks the same parent with the same score as
    scoring every parent. This needs every feature weight to be positive (then sharing a feature
    is what makes a cosine non-zero, as `Scorer.score` assumes); the default weights give each
    feature a count of at least 1, so a weight of at least 1. Otherwise every parent contends."""

    def __init__(self, scorer: Scorer, texts: Sequence[str]) -> None:
        self.scorer = scorer
        self.size = len(texts)
        # feature -> [(parent, its weight / the parent's norm)]; the same per clause of a parent
        self.whole: dict[str, list[tuple[int, float]]] = {}
        self.clauses: dict[str, list[tuple[int, float]]] = {}
        self.clause_owner: list[int] = []  # clause -> parent
        self.positive = True
        for j, text in enumerate(texts):
            self._post(self.whole, j, scorer.vector(text))
            for clause in scorer._clause_vectors(text) if scorer.weights.clause else ():
                self._post(self.clauses, len(self.clause_owner), clause)
                self.clause_owner.append(j)

    def _post(self, index: dict[str, list[tuple[int, float]]], key: int, vector: _Vector) -> None:
        self.positive = self.positive and _positive(vector)
        vec, norm = vector
        for term, weight in vec.items():
            index.setdefault(term, []).append((key, weight / norm))

    def estimates(self, text: str) -> dict[int, float]:
        """Estimated score of `text` against each parent it shares a feature with (others score 0)."""
        vec, norm = self.scorer.vector(text)
        dots: dict[int, float] = {}
        for term, weight in vec.items():
            for j, x in self.whole.get(term, ()):
                dots[j] = dots.get(j, 0.0) + weight * x
        scores = {j: dot / norm for j, dot in dots.items()}
        if not scores or not self.clauses:
            return scores
        best: dict[int, float] = {}  # parent -> best cosine of a clause of `text` and one of its own
        for cvec, cnorm in self.scorer._clause_vectors(text):
            cdots: dict[int, float] = {}
            for term, weight in cvec.items():
                for c, x in self.clauses.get(term, ()):
                    cdots[c] = cdots.get(c, 0.0) + weight * x
            for c, dot in cdots.items():
                j, cosine = self.clause_owner[c], dot / cnorm
                if cosine > best.get(j, 0.0):
                    best[j] = cosine
        weight = self.scorer.weights.clause
        for j, cosine in best.items():
            if j in scores and weight * cosine > scores[j]:  # as Scorer.score: with a shared feature only
                scores[j] = weight * cosine
        return scores

    def contenders(self, text: str, threshold: float) -> Sequence[int]:
        """The parents (indexes, in order) that may be the best for `text`, when it can reach
        `threshold`."""
        vectors = [self.scorer.vector(text)]
        if self.clauses:
            vectors += self.scorer._clause_vectors(text)
        if not (self.positive and all(map(_positive, vectors))):
            return range(self.size)
        scores = self.estimates(text)
        top = max(scores.values(), default=0.0)
        if top < threshold - _MARGIN:
            return []  # even the best parent scores below the threshold
        floor = top - _MARGIN
        return [j for j in range(self.size) if scores.get(j, 0.0) >= floor]


_Vector = tuple[dict[str, float], float]  # a TF-IDF vector and its norm


def _positive(vector: _Vector) -> bool:
    return not vector[0] or min(vector[0].values()) > 0.0


def link_notices(child: Notice, parent: Notice, threshold: float = THRESHOLD) -> list[Link]:
    """Link the tasks of two parsed notices; keys are task paths such as "2.23"."""
    return link(_keyed(child.tasks), _keyed(parent.tasks), threshold)


def _keyed(tasks: Iterable[Task]) -> list[tuple[str, str]]:
    return [(".".join(map(str, task.path)), task.text) for task in tasks]


# --- targets of two linked tasks -----------------------------------------------------------------


def pair_targets(
    children: Sequence[tuple[Hashable, str, str]],
    parents: Sequence[tuple[Hashable, str, str]],
) -> list[tuple[Hashable, Hashable]]:
    """Which target of a linked parent task each target of the child task restates.

    Items are (key, indicator, base unit) in text order. Only targets in the same base unit pair up,
    one to one: by the indicators' shared character bigrams (国土绿化 in 新增国土绿化面积 and
    实施国土绿化), or, when each task has exactly one target in that unit, regardless of wording
    (全市生产总值增长 / 全省生产总值增长 differ only in the place). Ties keep text order.
    """
    pairs: list[tuple[Hashable, Hashable]] = []
    for unit in dict.fromkeys(u for _, _, u in children):
        mine = [(k, ind) for k, ind, u in children if u == unit]
        theirs = [(k, ind) for k, ind, u in parents if u == unit]
        if len(mine) == 1 and len(theirs) == 1:
            pairs.append((mine[0][0], theirs[0][0]))
            continue
        scored = sorted(
            (
                (-_dice(a, b), i, j)
                for i, (_, a) in enumerate(mine)
                for j, (_, b) in enumerate(theirs)
                if _dice(a, b) > 0
            ),
        )
        used_mine: set[int] = set()
        used_theirs: set[int] = set()
        for _, i, j in scored:
            if i not in used_mine and j not in used_theirs:
                used_mine.add(i)
                used_theirs.add(j)
                pairs.append((mine[i][0], theirs[j][0]))
    return pairs


def _dice(a: str, b: str) -> float:
    """Dice coefficient of the character bigrams of two indicators (0..1)."""
    x, y = _bigrams(normalise(a)), _bigrams(normalise(b))
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


# --- measuring the method on labelled pairs ------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    threshold: float
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int


def measure(scores: Sequence[float], labels: Sequence[bool], threshold: float) -> Measure:
    """Precision, recall and F1 of "score >= threshold" against the labels."""
    tp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and y)
    fp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and not y)
    fn = sum(1 for s, y in zip(scores, labels, strict=True) if s < threshold and y)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Measure(threshold, precision, recall, f1, tp, fp, fn)


def choose_threshold(scores: Sequence[float], labels: Sequence[bool], step: float = 0.01) -> float:
    """The threshold (on a grid of `step`) with the best F1, taken mid-way through the best run of
    thresholds so that it keeps a margin on both sides."""
    grid = [round(i * step, 6) for i in range(int(round(1 / step)) + 1)]
    f1s = [measure(scores, labels, t).f1 for t in grid]
    best = max(f1s)
    runs: list[list[float]] = []
    for t, f1 in zip(grid, f1s, strict=True):
        if f1 == best:
            if runs and runs[-1][-1] == round(t - step, 6):
                runs[-1].append(t)
            else:
                runs.append([t])
    widest = max(runs, key=len)
    return round(widest[len(widest) // 2], 2)
