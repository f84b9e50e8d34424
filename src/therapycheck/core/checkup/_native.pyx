# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=False
"""The check-up evaluator's compiled fast path (Cython), for well-formed answer documents.

`evaluate.py` is the reference: this module gives the same `Evaluation` for every document
it accepts, and gives up (returns None) on anything unusual, so the Python path then does
the work and raises its own error messages. It holds no clinical knowledge of its own: it
reads the same compiled tables as the Python path (the question bank's choice tables, the
scoring plans, the rules' conditions, why templates and tempering, the series judgements)
and only runs their loops without the interpreter's per-step cost. `tests/core/checkup/
test_native.py` checks that both paths agree on corpora of valid, odd and broken documents,
and `benchmarks/golden.py` checks the outputs against a stored run.

Built by `make setup` (setup.py); when it is not built, `evaluate.py` runs alone.
"""

from cpython.dict cimport PyDict_GetItem
from cpython.object cimport (
    Py_EQ,
    Py_GE,
    Py_GT,
    Py_LE,
    Py_LT,
    PyObject,
    PyObject_RichCompareBool,
    PyTypeObject,
)


from cpython.long cimport PyLong_AsLongAndOverflow
from cpython.ref cimport Py_INCREF


cdef extern from "Python.h":
    object PyType_GenericNew(PyTypeObject* cls, PyObject* args, PyObject* kwds)
    dict _PyDict_NewPresized(Py_ssize_t minused)
    int PyObject_GenericSetDict(object obj, object value, void* context) except -1

    ctypedef struct PyMemberDef:
        Py_ssize_t offset

    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member

import dataclasses
import sys
import types

from therapycheck.core import change as _change
from therapycheck.core import scoring as _scoring
from therapycheck.core.change import Point, SeriesStatus
from therapycheck.core.checkup.answers import _CONTEXT_DEFAULTS, TOP_LEVEL_KEYS, _country
from therapycheck.core.checkup.conditions import STATUS_VALUES, State
from therapycheck.core.checkup.model import SEVERITY_RANK, Context, Evaluation, Finding
from therapycheck.core.checkup.rules import _LINES_PER_RULE, _NOT_ANSWERED, _item_label
from therapycheck.core.scoring import Score

cdef object _MISSING = object()
cdef int _FACTS_CACHE = 4096


cdef object _i(object value):
    # Question ids, option ids and the rules' values are interned once, at load, and the
    # answers are stored under those same objects. Every later lookup or comparison of
    # them then succeeds on identity, before comparing any characters.
    return sys.intern(value) if type(value) is str else value


class GiveUp(Exception):
    """Raised inside the fast path when the document needs the Python path."""


cdef inline object _new(type cls, dict fields):
    # Like core._build: a frozen dataclass given its fields without running __init__ (the
    # fields dict becomes the instance's __dict__).
    obj = PyType_GenericNew(<PyTypeObject*>cls, NULL, NULL)
    PyObject_GenericSetDict(obj, fields, NULL)
    return obj


cdef class _Layout:
    """Where each field of a slotted frozen dataclass lives, to fill new instances directly.

    The same as core._build for slotted classes (findings, points): the instance is made
    without running __init__ and each slot gets its value, without a Python call per field.
    """

    cdef type cls
    cdef readonly tuple names  # the fields, in the order `make` takes their values
    cdef Py_ssize_t count
    cdef Py_ssize_t offsets[12]

    def __init__(self, type cls):
        names = tuple([f.name for f in dataclasses.fields(cls)])
        if len(names) > 12:
            raise ValueError(f"{cls.__name__} has more than 12 fields")
        for n, name in enumerate(names):
            slot = cls.__dict__.get(name)
            if type(slot) is not types.MemberDescriptorType:
                raise TypeError(f"{cls.__name__}.{name} is not a slot")
            self.offsets[n] = (<PyMemberDescrObject*>slot).d_member.offset
        self.cls = cls
        self.names = names
        self.count = len(names)

    cdef object make(self, tuple values):
        # `values` in field order (dataclasses.fields), every field given.
        if len(values) != self.count:
            raise TypeError(f"{self.cls.__name__} takes {self.count} fields")
        obj = PyType_GenericNew(<PyTypeObject*>self.cls, NULL, NULL)
        cdef Py_ssize_t n
        for n in range(self.count):
            self._put(obj, n, values[n])
        return obj

    # The classes made most often (points, findings) skip the tuple of their values.

    cdef object make3(self, object a, object b, object c):
        if self.count != 3:
            raise TypeError(f"{self.cls.__name__} takes {self.count} fields")
        obj = PyType_GenericNew(<PyTypeObject*>self.cls, NULL, NULL)
        self._put(obj, 0, a)
        self._put(obj, 1, b)
        self._put(obj, 2, c)
        return obj

    cdef object make6(self, object a, object b, object c, object d, object e, object f):
        if self.count != 6:
            raise TypeError(f"{self.cls.__name__} takes {self.count} fields")
        obj = PyType_GenericNew(<PyTypeObject*>self.cls, NULL, NULL)
        self._put(obj, 0, a)
        self._put(obj, 1, b)
        self._put(obj, 2, c)
        self._put(obj, 3, d)
        self._put(obj, 4, e)
        self._put(obj, 5, f)
        return obj

    cdef inline void _put(self, object obj, Py_ssize_t n, object value):
        Py_INCREF(value)
        (<PyObject**>(<char*><PyObject*>obj + self.offsets[n]))[0] = <PyObject*>value


cdef _Layout _FINDING = _Layout(Finding)
cdef _Layout _POINT = _Layout(Point)
cdef _Layout _SERIES_STATUS = _Layout(SeriesStatus)
cdef _Layout _CONTEXT = _Layout(Context)
cdef _Layout _EVALUATION = _Layout(Evaluation)


# --- conditions ----------------------------------------------------------------------------


cdef class Ctx:
    cdef dict answers
    cdef dict items
    cdef dict scores
    cdef dict statuses
    cdef dict facts
    cdef list refs


cdef class Cond:
    cdef bint test(self, Ctx c) except -1:
        raise NotImplementedError


cdef class AnyOf(Cond):
    cdef tuple parts

    def __init__(self, tuple parts):
        self.parts = parts

    cdef bint test(self, Ctx c) except -1:
        cdef Cond part
        for part in self.parts:
            if part.test(c):
                return True
        return False


cdef class AllOf(Cond):
    cdef tuple parts

    def __init__(self, tuple parts):
        self.parts = parts

    cdef bint test(self, Ctx c) except -1:
        cdef Cond part
        for part in self.parts:
            if not part.test(c):
                return False
        return True


cdef class Not(Cond):
    cdef Cond part

    def __init__(self, Cond part):
        self.part = part

    cdef bint test(self, Ctx c) except -1:
        return not self.part.test(c)


cdef class Ref(Cond):
    cdef Py_ssize_t index

    def __init__(self, Py_ssize_t index):
        self.index = index

    cdef bint test(self, Ctx c) except -1:
        return <bint>c.refs[self.index]


cdef class Fact(Cond):
    cdef str name

    def __init__(self, str name):
        self.name = name

    cdef bint test(self, Ctx c) except -1:
        return bool(c.facts.get(self.name))


cdef inline object _get(dict d, object key):
    cdef PyObject* found = PyDict_GetItem(d, key)
    if found is NULL:
        return None
    return <object>found


cdef class AnswerAnswered(Cond):
    cdef str key
    cdef bint want

    def __init__(self, str key, bint want):
        self.key = key
        self.want = want

    cdef bint test(self, Ctx c) except -1:
        return (_get(c.answers, self.key) is not None) == self.want


cdef class AnswerEquals(Cond):
    cdef str key
    cdef object value

    def __init__(self, str key, object value):
        self.key = key
        self.value = value

    cdef bint test(self, Ctx c) except -1:
        return PyObject_RichCompareBool(_get(c.answers, self.key), self.value, Py_EQ)


cdef class AnswerIn(Cond):
    cdef str key
    cdef frozenset values

    def __init__(self, str key, frozenset values):
        self.key = key
        self.values = values

    cdef bint test(self, Ctx c) except -1:
        return _get(c.answers, self.key) in self.values


cdef class AnswerIncludes(Cond):
    cdef str key
    cdef frozenset values

    def __init__(self, str key, frozenset values):
        self.key = key
        self.values = values

    cdef bint test(self, Ctx c) except -1:
        value = _get(c.answers, self.key)
        if value is None:
            return False
        if type(value) is tuple:  # a checked multi answer
            for chosen in <tuple>value:
                if chosen in self.values:
                    return True
            return False
        return not self.values.isdisjoint(value)


cdef class AnswerCount(Cond):
    cdef str key
    cdef Py_ssize_t at_least
    cdef frozenset exclusive

    def __init__(self, str key, Py_ssize_t at_least, frozenset exclusive):
        self.key = key
        self.at_least = at_least
        self.exclusive = exclusive

    cdef bint test(self, Ctx c) except -1:
        value = _get(c.answers, self.key)
        if value is None:
            return False
        if not self.exclusive:
            return len(value) >= self.at_least
        return len(value) - len(self.exclusive.intersection(value)) >= self.at_least


cdef class Numeric(Cond):
    """A value tested against bounds; subclasses say where the value comes from."""

    cdef tuple ops  # ((Py_GE/Py_GT/Py_LE/Py_LT, bound), ...)
    # The same bounds as C integers, when every bound is whole (the usual case).
    cdef bint whole
    cdef bint has_low
    cdef bint has_high
    cdef long low  # value >= low
    cdef long high  # value <= high

    cdef void _set_ops(self, tuple ops):
        self.ops = ops
        self.whole = all(type(bound) is int and abs(bound) < 2**40 for _, bound in ops)
        self.has_low = self.has_high = False
        if not self.whole:
            return
        for op, bound in ops:
            # gt b is ge b + 1 and lt b is le b - 1 for whole values.
            if op == Py_GE or op == Py_GT:
                low = bound if op == Py_GE else bound + 1
                self.low = max(self.low, low) if self.has_low else low
                self.has_low = True
            else:
                high = bound if op == Py_LE else bound - 1
                self.high = min(self.high, high) if self.has_high else high
                self.has_high = True

    cdef object value(self, Ctx c):
        raise NotImplementedError

    cdef bint test(self, Ctx c) except -1:
        value = self.value(c)
        if value is None:
            return False
        cdef long whole_value
        cdef int overflow = 0
        if self.whole and type(value) is int:
            whole_value = PyLong_AsLongAndOverflow(value, &overflow)
            if overflow == 0:
                if self.has_low and whole_value < self.low:
                    return False
                return not (self.has_high and whole_value > self.high)
        cdef int op
        for op, bound in self.ops:
            if not PyObject_RichCompareBool(value, bound, op):
                return False
        return True


cdef class AnswerNumber(Numeric):
    cdef str key

    def __init__(self, str key, tuple ops):
        self.key = key
        self._set_ops(ops)

    cdef object value(self, Ctx c):
        return _get(c.answers, self.key)


cdef class MeasureItem(Numeric):
    cdef str inst
    cdef Py_ssize_t index

    def __init__(self, str inst, Py_ssize_t index, tuple ops):
        self.inst = inst
        self.index = index
        self._set_ops(ops)

    cdef object value(self, Ctx c):
        items = _get(c.items, self.inst)
        if items is not None and len(items) > self.index:
            return items[self.index]
        return None


cdef class MeasureSubscale(Numeric):
    cdef str inst
    cdef str name

    def __init__(self, str inst, str name, tuple ops):
        self.inst = inst
        self.name = name
        self._set_ops(ops)

    cdef object value(self, Ctx c):
        sc = _get(c.scores, self.inst)
        return sc.subscales.get(self.name) if sc is not None else None


cdef class MeasureTotal(Numeric):
    cdef str inst

    def __init__(self, str inst, tuple ops):
        self.inst = inst
        self._set_ops(ops)

    cdef object value(self, Ctx c):
        sc = _get(c.scores, self.inst)
        return sc.total if sc is not None else None


cdef class MeasureAnswered(Cond):
    cdef str inst
    cdef bint want

    def __init__(self, str inst, bint want):
        self.inst = inst
        self.want = want

    cdef bint test(self, Ctx c) except -1:
        return (_get(c.scores, self.inst) is not None) == self.want


cdef class MeasureBand(Cond):
    cdef str inst
    cdef frozenset labels

    def __init__(self, str inst, frozenset labels):
        self.inst = inst
        self.labels = labels

    cdef bint test(self, Ctx c) except -1:
        sc = _get(c.scores, self.inst)
        if sc is None:
            return False
        band = sc.band
        return band is not None and band.label in self.labels


cdef class MeasureFlag(Cond):
    cdef str inst  # None: any questionnaire
    cdef str flag

    def __init__(self, str inst, str flag):
        self.inst = inst
        self.flag = flag

    cdef bint test(self, Ctx c) except -1:
        if self.inst is None:
            for sc in c.scores.values():
                if self.flag in sc.flags:
                    return True
            return False
        sc = _get(c.scores, self.inst)
        return sc is not None and self.flag in sc.flags


cdef class StatusIn(Cond):
    cdef str inst  # None: any series
    cdef frozenset names
    cdef object review  # None, True or False

    def __init__(self, str inst, frozenset names, object review):
        self.inst = inst
        self.names = names
        self.review = review

    cdef bint _one(self, object st) except -1:
        if st.status not in self.names:
            return False
        return self.review is None or st.review_due is self.review

    cdef bint test(self, Ctx c) except -1:
        if self.inst is None:
            for st in c.statuses.values():
                if self._one(st):
                    return True
            return False
        st = _get(c.statuses, self.inst)
        return st is not None and self._one(st)


def _bound(value):
    # As conditions._literal: a whole bound is compared as an int (same result, faster).
    return int(value) if value.is_integer() else value


def _ops(spec):
    return tuple(
        (op, _bound(bound))
        for op, bound in ((Py_GE, spec.gte), (Py_GT, spec.gt), (Py_LE, spec.lte), (Py_LT, spec.lt))
        if bound is not None
    )


def compile_cond(spec, questions, refs):
    """A condition node for a validated `CondSpec` (the Python compiler checked it).

    `refs` maps a named condition to its position in the up-front list, or is None to
    inline named conditions (as `compile_condition` does).
    """
    subject = spec.subject()
    if subject == "any":
        return AnyOf(tuple(compile_cond(s, questions, refs) for s in spec.any_))
    if subject == "all":
        return AllOf(tuple(compile_cond(s, questions, refs) for s in spec.all_))
    if subject == "not":
        return Not(compile_cond(spec.not_, questions, refs))
    if subject == "ref":
        return Ref(refs[spec.ref])
    if subject == "fact":
        return Fact(spec.fact)
    if subject == "answer":
        return _answer(spec, questions[spec.answer])
    if subject == "measure":
        return _measure(spec)
    inst = None if spec.status == "any" else spec.status
    names = frozenset(str(v) for v in (spec.in_ or STATUS_VALUES))
    return StatusIn(inst, names, spec.review_due)


def _answer(spec, question):
    key = _i(spec.answer)
    if spec.answered is not None:
        return AnswerAnswered(key, spec.answered)
    if spec.equals is not None:
        return AnswerEquals(key, _i(spec.equals))
    if spec.in_ is not None:
        return AnswerIn(key, frozenset([_i(v) for v in spec.in_]))
    if spec.includes is not None:
        return AnswerIncludes(key, frozenset([_i(v) for v in spec.includes]))
    if spec.count_gte is not None:
        return AnswerCount(key, spec.count_gte, frozenset(question.exclusive_ids()))
    return AnswerNumber(key, _ops(spec))


def _measure(spec):
    inst = spec.measure
    if spec.flag is not None:
        return MeasureFlag(None if inst == "any" else inst, spec.flag)
    if spec.answered is not None:
        return MeasureAnswered(inst, spec.answered)
    if spec.in_ is not None:
        return MeasureBand(inst, frozenset(str(v) for v in spec.in_))
    if spec.item is not None:
        return MeasureItem(inst, spec.item - 1, _ops(spec))
    if spec.subscale is not None:
        return MeasureSubscale(inst, spec.subscale, _ops(spec))
    return MeasureTotal(inst, _ops(spec))


def test_condition(Cond cond, answers, items=None, scores=None, statuses=None, facts=None):
    """Test one inlined condition (for the agreement tests)."""
    cdef Ctx c = Ctx()
    c.answers = dict(answers)
    c.items = dict(items or {})
    c.scores = dict(scores or {})
    c.statuses = dict(statuses or {})
    c.facts = dict(facts or {})
    c.refs = []
    return cond.test(c)


# --- the engine ----------------------------------------------------------------------------


cdef class _ScorePlan:
    """scoring._Plan's fields as C-level attributes, read once per instrument."""

    cdef object inst
    cdef object plan  # the scoring._Plan itself, for scoring._variant
    cdef tuple allowed
    cdef tuple reverse
    cdef object thresholds
    cdef object multiplier
    cdef dict totals
    cdef bint has_rules
    cdef tuple subscales
    cdef tuple safety_items
    cdef tuple patterns

    def __init__(self, inst, plan):
        self.inst = inst
        self.plan = plan
        self.allowed = plan.allowed
        self.reverse = plan.reverse
        self.thresholds = plan.thresholds
        self.multiplier = plan.multiplier
        self.totals = plan.totals
        self.has_rules = plan.has_rules
        self.subscales = plan.subscales
        self.safety_items = plan.safety_items
        self.patterns = plan.patterns


cdef class _RuleInfo:
    cdef str factor
    cdef Cond cond
    cdef Py_ssize_t group
    cdef int kind  # 0 constant line, 1 answers-only line, 2 any other line
    cdef str constant
    cdef tuple parts  # _Part, for a kind 2 line the compiled path builds itself; else None
    cdef tuple paths
    cdef object first_path
    cdef dict lines
    cdef object render
    cdef tuple questions
    cdef str id
    cdef str severity
    cdef object weight
    cdef long hundredths
    cdef str source
    cdef tuple sources
    cdef long pinned  # the factor's place among the pinned factors (safety, misconduct)
    cdef long catalogue  # the factor's place in the catalogue (FACTOR_IDS)


cdef class Engine:
    """Everything one evaluation reads, taken once from the Python path's compiled tables."""

    cdef list ranked  # _RuleInfo, strongest first (severity, -weight), ties in file order
    cdef list groups  # factor ids, in the order the Python grouping gives them
    cdef list definitions  # Cond, in definition order
    cdef object rules  # the RuleSet
    cdef object temper  # evaluate._temper
    cdef frozenset tempering_factors  # factors that temper others when present
    cdef list show  # (question id, Cond) for questions shown only on a condition
    cdef dict choices
    cdef dict ranges
    cdef dict checkers
    cdef dict multi  # question id -> (its interned id, option ids, exclusive ids), multi questions
    cdef frozenset not_skippable
    cdef dict context_slots  # question id -> its Context field's place (dataclasses.fields)
    cdef tuple context_defaults  # in field order
    cdef Py_ssize_t country_slot
    cdef dict instruments
    cdef dict factor_keys
    cdef tuple unknown_key
    cdef dict facts_cache
    cdef object facts_fn
    cdef object modalities
    cdef tuple refinement_questions
    cdef object review_note
    cdef object judged
    cdef frozenset good_enough
    cdef long review_after
    cdef long min_to_judge
    cdef dict known
    cdef dict score_plans  # id(instrument) -> _ScorePlan

    def __init__(self, rules, bank, mods, facts_fn, temper, instruments, factor_keys,
                 unknown_key):
        self.factor_keys = dict(factor_keys)
        self.unknown_key = unknown_key
        questions = {q.id: q for q in bank.questions}
        refs = {name: n for n, name in enumerate(rules.definitions)}
        self.definitions = []
        for n, (name, spec) in enumerate(rules.definitions.items()):
            self.definitions.append(
                compile_cond(spec, questions, {k: v for k, v in refs.items() if v < n})
            )
        self.groups = list(dict.fromkeys(r.factor for r in rules.rules))
        if len(self.groups) > 64:  # _findings keeps one sort key per factor in 64 slots
            raise ValueError("the compiled check-up handles at most 64 factors")
        group_index = {factor: n for n, factor in enumerate(self.groups)}
        self.ranked = [
            self._info(rule, compile_cond(rule.when, questions, refs), group_index[rule.factor])
            for rule in rules.ranked
        ]
        self.rules = rules
        self.temper = temper
        self.tempering_factors = frozenset(t.factor for t in rules.tempering)
        names = _CONTEXT.names  # the order _context fills the values in
        self.context_slots = {
            _i(qid): names.index(name) for qid, name in bank.context_fields.items()
        }
        self.context_defaults = tuple([_CONTEXT_DEFAULTS[name] for name in names])
        self.country_slot = names.index("country")
        self.show = [(_i(q.id), compile_cond(q.show_if, questions, None))
                     for q in bank.questions if q.show_if is not None]
        # Each table's value starts with the question's interned id (see _i).
        self.choices = {
            qid: (_i(qid), {value: _i(option) for value, option in table.items()})
            for qid, table in bank.choices.items()
        }
        self.ranges = {qid: (_i(qid), *bounds) for qid, bounds in bank.number_ranges.items()}
        self.checkers = {qid: (_i(qid), check) for qid, check in bank.checkers.items()}
        self.multi = {q.id: (_i(q.id), q.option_ids(), q.exclusive_ids())
                      for q in bank.questions if q.type == "multi"}
        self.not_skippable = frozenset(q.id for q in bank.questions if not q.skippable)
        self.instruments = dict(instruments)
        self.facts_cache = {}
        self.facts_fn = facts_fn
        self.modalities = mods
        self.refinement_questions = tuple(dict.fromkeys(_i(r.question) for r in mods.refinements))
        self.review_note = _change._review_note
        self.judged = _change._judged_registered
        self.good_enough = frozenset(_change._GOOD_ENOUGH)
        self.review_after = _change.REVIEW_AFTER_SESSIONS
        self.min_to_judge = _change.MIN_SESSIONS_TO_JUDGE
        self.known = _change._KNOWN
        self.score_plans = {}

    cdef _RuleInfo _info(self, rule, Cond cond, Py_ssize_t group):
        cdef _RuleInfo info = _RuleInfo()
        info.factor = rule.factor
        info.cond = cond
        info.group = group
        template = rule.template
        if template.constant is not None:
            info.kind = 0
            info.constant = template.constant
        elif template.paths:
            info.kind = 1
            info.paths = tuple([_i(path) for path in template.paths])
            info.first_path = info.paths[0]
        else:
            info.kind = 2
            info.parts = _parts(template.parts)
        info.lines = {}
        info.render = template.render
        info.questions = tuple([_i(q) for q in rule.questions])
        info.id = rule.id
        info.severity = rule.severity
        info.weight = rule.weight
        info.hundredths = rule.hundredths
        info.source = rule.source
        info.sources = rule.sources
        info.pinned, info.catalogue = self.factor_keys.get(rule.factor, self.unknown_key)
        return info

    # -- public ---------------------------------------------------------------------------

    def evaluate_doc(self, doc, country):
        """The `Evaluation` of an answers document, or None to let the Python path decide."""
        try:
            return self._evaluate_doc(doc, country)
        except GiveUp:
            return None

    def evaluate_parsed(self, parsed, country):
        """The `Evaluation` of already validated answers (`ParsedAnswers`)."""
        return self._evaluation(parsed.answers, parsed.measures, parsed.scores,
                                parsed.statuses, parsed.context, country, False)

    # -- parsing --------------------------------------------------------------------------

    cdef object _evaluate_doc(self, object doc, object country):
        if type(doc) is not dict:
            raise GiveUp
        for key in <dict>doc:
            if key not in TOP_LEVEL_KEYS:
                raise GiveUp
        answers = self._answers((<dict>doc).get("answers") or {})
        self._hide(answers)
        items, scores = self._measures((<dict>doc).get("measures") or {})
        history = self._history((<dict>doc).get("history") or {})
        try:
            doc_country = _country((<dict>doc).get("country"))
        except ValueError:
            raise GiveUp
        context = self._context(answers, doc_country)
        statuses = self._statuses(history, scores, context.sessions)
        return self._evaluation(answers, items, scores, statuses, context, country, True)

    cdef dict _answers(self, object raw):
        if type(raw) is not dict:
            raise GiveUp
        # Sized once for every answer, instead of growing (and rehashing) four times.
        cdef dict answers = _PyDict_NewPresized(len(<dict>raw))
        cdef dict choices = self.choices
        cdef dict ranges = self.ranges
        cdef PyObject* found
        for qid, value in (<dict>raw).items():
            found = PyDict_GetItem(choices, qid)
            if found is not NULL:
                if type(value) is bool:
                    raise GiveUp
                try:
                    normalized = (<dict>(<tuple>found)[1]).get(value)
                except TypeError:
                    raise GiveUp
                if normalized is not None:
                    answers[(<tuple>found)[0]] = normalized
                    continue
            elif type(value) is int:
                found = PyDict_GetItem(ranges, qid)
                if found is not NULL and (<tuple>found)[1] <= value <= (<tuple>found)[2]:
                    answers[(<tuple>found)[0]] = value
                    continue
            elif type(value) is list:
                found = PyDict_GetItem(self.multi, qid)
                if found is not NULL:
                    chosen = _chosen(<list>value, <tuple>found)
                    if chosen is not None:
                        answers[(<tuple>found)[0]] = chosen
                        continue
            found = PyDict_GetItem(self.checkers, qid)
            if found is NULL:
                raise GiveUp
            if value is None or (type(value) is str and value == "skip"):
                if qid in self.not_skippable:
                    raise GiveUp
                continue
            try:
                answers[(<tuple>found)[0]] = (<object>(<tuple>found)[1])(value)
            except ValueError:
                raise GiveUp
        return answers

    cdef void _hide(self, dict answers) except *:
        # As QuestionBank.hidden_ids: a later condition never sees the answer to a question
        # that was hidden; answers to hidden follow-ups are dropped, as a form would. The
        # conditions read the answers being pruned, so no copy is needed.
        cdef Ctx c = None
        cdef Cond cond
        for qid, cond in self.show:
            if c is None:
                c = Ctx()
                c.answers = answers
                c.items = {}
                c.scores = {}
                c.statuses = {}
                c.facts = {}
                c.refs = []
            if not cond.test(c):
                answers.pop(qid, None)

    cdef tuple _measures(self, object raw):
        if type(raw) is not dict:
            raise GiveUp
        cdef dict items = {}
        cdef dict scores = {}
        cdef PyObject* found
        for key, values in (<dict>raw).items():
            found = PyDict_GetItem(self.instruments, key)
            if found is NULL:
                raise GiveUp
            if values is None or (type(values) is str and values == "skip"):
                continue
            if key in scores:
                raise GiveUp
            result = self._score(<object>found, values)
            items[key] = result.answers
            scores[key] = result
        return items, scores

    cdef _ScorePlan _score_plan(self, object inst):
        found = self.score_plans.get(id(inst))
        if found is not None and (<_ScorePlan>found).inst is inst:
            return <_ScorePlan>found
        if len(self.score_plans) > 256:  # as scoring._PLANS: only tests make many
            self.score_plans.clear()
        cdef _ScorePlan plan = _ScorePlan(inst, _scoring._plan(inst))
        self.score_plans[id(inst)] = plan
        return plan

    cdef object _score(self, object inst, object answers):
        # scoring.score's fast path for plain int answers; anything else gives up.
        if type(answers) is not list:
            raise GiveUp
        cdef _ScorePlan plan = self._score_plan(inst)
        cdef tuple allowed = plan.allowed
        cdef tuple values = tuple(<list>answers)
        cdef Py_ssize_t n = len(values)
        cdef Py_ssize_t i
        if n != len(allowed):
            raise GiveUp
        for i in range(n):
            value = values[i]
            if type(value) is not int or value not in <frozenset>allowed[i]:
                raise GiveUp
        cdef tuple item_scores = values
        cdef list reversed_scores
        if plan.reverse:
            reversed_scores = list(values)
            for index, low_plus_high in plan.reverse:
                reversed_scores[index] = low_plus_high - reversed_scores[index]
            item_scores = tuple(reversed_scores)
        cdef long raw_total = 0
        thresholds = plan.thresholds
        if thresholds is None:
            for value in item_scores:
                raw_total += <long>value
        else:
            for i in range(n):
                if values[i] >= (<tuple>thresholds)[i]:
                    raw_total += 1
        total = raw_total * plan.multiplier
        facts = plan.totals.get((total, None))
        if facts is None:
            raise GiveUp
        cdef dict subscales = {}
        cdef long part
        cdef tuple endorsed
        cdef tuple met
        if plan.has_rules:
            for sid, pick in plan.subscales:
                part = 0
                for value in pick(item_scores):
                    part += <long>value
                subscales[sid] = part
            endorsed = ()
            for number, index in plan.safety_items:
                if values[index] > 0:
                    endorsed = endorsed + (number,)
            met = ()
            for position, pattern, needs in plan.patterns:
                if _scoring._pattern_met(pattern, needs, values, subscales):
                    met = met + (position,)
            if endorsed or met:
                facts = facts.variants.get((endorsed, met)) or _scoring._variant(
                    plan.plan, facts, endorsed, met
                )
        cdef dict fields = dict(<dict>facts.fields)
        fields["subscales"] = subscales
        fields["answers"] = values
        fields["item_scores"] = item_scores
        fields["interpretations"] = list(facts.notes)
        return _new(Score, fields)

    cdef dict _history(self, object raw):
        if type(raw) is not dict:
            raise GiveUp
        cdef dict history = {}
        cdef _Run run
        for key, entries in (<dict>raw).items():
            if key not in self.instruments or type(entries) is not list or not entries:
                raise GiveUp
            run = _Run(_get(self.known, key))
            for entry in <list>entries:
                if type(entry) is not dict or len(<dict>entry) != 2:
                    raise GiveUp
                session = (<dict>entry).get("session")
                value = (<dict>entry).get("score")
                if type(session) is not int or type(value) is not int:
                    raise GiveUp
                run.add(session, value)
            history[key] = run
        return history

    cdef object _context(self, dict answers, object country):
        # answers._context without `build`'s field check on every call: _CONTEXT_DEFAULTS
        # names every Context field (answers.py checks that when it loads).
        cdef list values = list(self.context_defaults)
        values[self.country_slot] = country
        for qid, slot in self.context_slots.items():
            if qid in answers:
                values[<Py_ssize_t>slot] = answers[qid]
        return _CONTEXT.make(tuple(values))

    cdef dict _statuses(self, dict history, dict scores, object session):
        cdef dict statuses = {}
        cdef _Run run
        for instrument_id, run in history.items():
            if session is not None:
                current = _get(scores, instrument_id)
                if current is not None and session > run.last:
                    run.add(session, current.total)
            statuses[instrument_id] = self._series(instrument_id, run)
        return statuses

    cdef object _series(self, str instrument_id, _Run run):
        # change.series_status's plain path (registry id, sessions in order, whole scores
        # in range); any other series is judged by series_status itself.
        cdef list points = run.points
        if not run.plain:
            try:
                return _change.series_status(instrument_id, tuple(points))
            except ValueError:
                raise GiveUp
        known = run.known
        measure = (<tuple>known)[0]
        first = points[0]
        latest = points[len(points) - 1]
        cdef long measured = len(points)
        cdef long stage = measured if measured < self.min_to_judge else self.min_to_judge
        judgement = self.judged(measure.id, stage, first.score, latest.score)
        change, status, text, threshold = judgement
        review_due = measured >= self.review_after and status not in self.good_enough
        return _SERIES_STATUS.make((
            measure.id,  # instrument
            status,
            review_due,
            f"{text} {self.review_note(measured)}" if review_due else text,  # explanation
            {  # numbers
                "first": first.score,
                "latest": latest.score,
                "change": change.delta if change else None,
                "threshold": threshold,
                "sessions": measured,
            },
            first,
            latest,
            change,
            tuple(points),
        ))

    # -- rules and findings ---------------------------------------------------------------

    cdef dict _facts(self, dict answers):
        approach = _get(answers, "approach")
        concerns = _get(answers, "concerns")
        if approach is None or not concerns:
            return {}
        key = (approach, concerns) + tuple([_get(answers, q) for q in self.refinement_questions])
        found = self.facts_cache.get(key)
        if found is None:
            found = self.facts_fn(answers, self.modalities)
            if len(self.facts_cache) < _FACTS_CACHE:
                self.facts_cache[key] = found
        return dict(found)

    cdef object _evaluation(self, dict answers, dict items, dict scores, dict statuses,
                            object context, object country, bint owned):
        # `owned`: the dicts were made for this evaluation alone (a document's), so the
        # result can keep them; a ParsedAnswers' own are copied, as the Python path does.
        cdef Ctx c = Ctx()
        c.answers = answers
        c.items = items
        c.scores = scores
        c.statuses = statuses
        c.facts = self._facts(answers)
        cdef list findings = self._findings(c)
        safety_reasons = ()
        for finding in findings:
            if finding.factor == "safety_crisis":
                safety_reasons = finding.why
                break
        reviews = tuple([s.explanation for s in statuses.values() if s.review_due])
        if country is not None:
            context = dataclasses.replace(context, country=country)
        return _EVALUATION.make((
            tuple(findings),
            context,
            scores if owned else dict(scores),  # measures
            statuses if owned else dict(statuses),
            safety_reasons,
            answers if owned else dict(answers),
            bool(reviews),  # review_due
            reviews,  # review_reasons
        ))

    cdef list _fire(self, Ctx c):
        # Named conditions first, in definition order; then each rule, strongest first,
        # into its factor's group (None where nothing fired).
        cdef Cond cond
        c.refs = []
        for cond in self.definitions:
            c.refs.append(cond.test(c))
        cdef list fired = [None] * len(self.groups)
        cdef _RuleInfo info
        for info in self.ranked:
            if info.cond.test(c):
                group = fired[info.group]
                if group is None:
                    fired[info.group] = [info]
                else:
                    (<list>group).append(info)
        return fired

    cdef list _findings(self, Ctx c):
        cdef list fired = self._fire(c)
        cdef _RuleInfo info
        cdef list findings = []
        cdef list state = [None]  # a State for lines that need one, made once when needed
        cdef set present = set()
        # Sort keys as C integers: (pinned, severity rank, -strength, catalogue) packed so
        # that integer order is tuple order. Strength is hundredths / 100 (Rule.hundredths),
        # so ordering by hundredths orders by strength.
        cdef long long keys[64]
        cdef long long key
        cdef Py_ssize_t n = 0, i, j
        cdef long hundredths
        cdef object finding
        cdef _RuleInfo first
        for group in fired:
            if group is None:
                continue
            first = <_RuleInfo>(<list>group)[0]
            finding = self._finding(<list>group, c, state)
            hundredths = 0
            for info in <list>group:
                hundredths += info.hundredths
            findings.append(finding)
            present.add(first.factor)
            keys[n] = (((first.pinned * 4) << 21) + ((1 << 20) - hundredths)) * 64 + first.catalogue
            n += 1
        if not self.tempering_factors.isdisjoint(present):
            findings = self.temper(findings, self.rules)
        for i in range(n):
            # The severity rank goes in after tempering, which may lower it.
            keys[i] += (<long long>SEVERITY_RANK[findings[i].severity] << 21) * 64
        # Insertion sort of at most one finding per factor; keys are all different.
        cdef list ordered = [None] * n
        cdef long long ranks[64]
        for i in range(n):
            ranks[i] = keys[i] * 64 + i
        for i in range(1, n):
            key = ranks[i]
            j = i - 1
            while j >= 0 and ranks[j] > key:
                ranks[j + 1] = ranks[j]
                j -= 1
            ranks[j + 1] = key
        for i in range(n):
            ordered[i] = findings[ranks[i] % 64]
        return ordered

    cdef str _why(self, _RuleInfo info, Ctx c, list state):
        if info.kind == 0:
            return info.constant
        if info.kind == 1:
            if len(info.paths) == 1:
                key = c.answers.get(info.first_path, _MISSING)
            else:
                key = tuple([c.answers.get(p, _MISSING) for p in info.paths])
            try:
                line = info.lines.get(key)
            except TypeError:
                return info.render(self._state(c, state))
            if line is None:
                line = info.render(self._state(c, state))
                if len(info.lines) < _LINES_PER_RULE:
                    info.lines[key] = line
            return line
        if info.parts is not None:
            return _render(info.parts, c)
        return info.render(self._state(c, state))

    cdef object _state(self, Ctx c, list state):
        if state[0] is None:
            state[0] = State(c.answers, c.items, c.scores, c.statuses, c.facts)
        return state[0]

    cdef object _finding(self, list matched, Ctx c, list state):
        cdef _RuleInfo info = matched[0]
        cdef dict answers = c.answers
        cdef dict quoted = {}
        cdef PyObject* found
        if len(matched) == 1:
            for q in info.questions:
                found = PyDict_GetItem(answers, q)
                if found is not NULL:
                    quoted[q] = <object>found
            return _FINDING.make6(
                info.factor,
                info.severity,
                (self._why(info, c, state),),
                info.weight,
                info.sources,
                {"rules": [info.id], "answers": quoted},
            )
        # Repeated lines and sources are shown once, in rule order.
        cdef list whys = []
        cdef list sources = []
        cdef list ids = []
        cdef long hundredths = 0
        for info in matched:
            line = self._why(info, c, state)
            if line not in whys:
                whys.append(line)
            if info.source not in sources:
                sources.append(info.source)
            ids.append(info.id)
            hundredths += info.hundredths
            for q in info.questions:
                found = PyDict_GetItem(answers, q)
                if found is not NULL:
                    quoted[q] = <object>found
        return _FINDING.make6(
            (<_RuleInfo>matched[0]).factor,
            (<_RuleInfo>matched[0]).severity,
            tuple(whys),
            hundredths / 100,
            tuple(sources),
            {"rules": ids, "answers": quoted},
        )


# --- why lines that quote more than answers -------------------------------------------------

# The placeholders of rules.Template.parts, as rules._placeholder renders them.
cdef enum:
    _LITERAL, _ANSWER, _FACT, _STATUS, _TOTAL, _BAND, _NAME, _SUB, _ITEM

cdef dict _PART_CODES = {
    "answer": _ANSWER, "fact": _FACT, "status": _STATUS, "total": _TOTAL, "band": _BAND,
    "name": _NAME, "sub": _SUB, "item": _ITEM,
}


cdef class _Part:
    cdef int code
    cdef object a  # the literal text, question id, fact key or instrument id
    cdef object b  # the answer's labels, subscale id or item number


cdef tuple _parts(tuple spec):
    # None when a part is one the compiled path does not build (rules calls it "call").
    cdef list parts = []
    cdef _Part part
    for item in spec:
        part = _Part()
        if type(item) is str:
            part.code = _LITERAL
            part.a = item
        else:
            code = _PART_CODES.get(item[0])
            if code is None:
                return None
            part.code = code
            part.a = _i(item[1])
            part.b = item[2] if len(item) > 2 else None
        parts.append(part)
    return tuple(parts)


cdef str _render(tuple parts, Ctx c):
    # As the line rules._concatenation generates, each placeholder as rules._placeholder.
    cdef list out = []
    cdef _Part part
    for part in parts:
        code = part.code
        if code == _LITERAL:
            out.append(part.a)
        elif code == _ANSWER:
            value = _get(c.answers, part.a)
            if value is None:
                out.append(_NOT_ANSWERED)
            elif value in <dict>part.b:
                out.append((<dict>part.b)[value])
            else:
                out.append(str(value))
        elif code == _FACT:
            out.append(str(c.facts.get(part.a, "")))
        elif code == _STATUS:
            status = _get(c.statuses, part.a)
            out.append(status.explanation if status is not None else "")
        else:
            sc = _get(c.scores, part.a)
            if code == _TOTAL:
                out.append(_num(sc.total) if sc is not None else "")
            elif code == _BAND:
                out.append(sc.band.label if sc is not None and sc.band else "")
            elif code == _NAME:
                out.append(sc.instrument.short_name if sc is not None else part.a)
            elif code == _SUB:
                out.append(_num(sc.subscales.get(part.b, "")) if sc is not None else "")
            else:
                out.append(_item_label(sc, part.b))
    return "".join(out)


def render_line(spec, answers, items=None, scores=None, statuses=None, facts=None):
    """One why line from a Template's parts, or None if it has a part not built here (for
    the agreement tests)."""
    parts = _parts(tuple(spec))
    if parts is None:
        return None
    cdef Ctx c = Ctx()
    c.answers = {_i(k): v for k, v in answers.items()}
    c.items = dict(items or {})
    c.scores = dict(scores or {})
    c.statuses = dict(statuses or {})
    c.facts = dict(facts or {})
    return _render(parts, c)


cdef str _num(object value):
    # rules._num
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


cdef object _chosen(list value, tuple options):
    # bank._multi_checker's accepted case: option ids (plain str), repeats dropped in order,
    # an exclusive option ("none of these") only on its own. None: let the checker decide.
    cdef frozenset allowed = <frozenset>options[1]
    cdef frozenset exclusive = <frozenset>options[2]
    cdef list chosen = []
    for option in value:
        if type(option) is not str or option not in allowed:
            return None
        if option not in chosen:
            chosen.append(option)
    if len(chosen) > 1:
        for option in chosen:
            if option in exclusive:
                return None
    return tuple(chosen)


cdef inline object _point(object session, object score):
    return _POINT.make3(session, score, None)


cdef class _Run:
    """One instrument's earlier scores as they are read, and whether they are plain.

    Plain is change._plain_in_order's case: a registry instrument (change._KNOWN), sessions
    strictly increasing, every score a whole in range. It is followed point by point, so
    the series is not walked again.
    """

    cdef list points
    cdef object known  # change._KNOWN's (measure, whole scores), or None
    cdef object last  # the highest session so far
    cdef bint plain

    def __cinit__(self, known):
        self.points = []
        self.known = known
        self.last = None
        self.plain = known is not None

    cdef void add(self, object session, object score) except *:
        if self.plain and (
            (self.last is not None and session <= self.last)
            or type(score) is not int
            or score not in <frozenset>(<tuple>self.known)[1]
        ):
            self.plain = False
        if self.last is None or session > self.last:
            self.last = session
        self.points.append(_point(session, score))
