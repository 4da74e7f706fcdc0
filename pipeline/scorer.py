"""The serving scorer: logits of a TF-IDF + linear model for whole chunks of sentences.

Apart from the training analyzers in `features.py`: this module needs no scikit-learn, and
`model.py` builds it from plain data (JSON and `.npz` arrays), never from a pickle.
"""

from __future__ import annotations

import re
from itertools import chain, repeat
from typing import Any

import numpy as np

from .features import _DIGITS, LatinCharAnalyzer, TextAnalyzer
from .script import HAN_RANGES, to_simplified

_SEP = "\n"  # joins a chunk's sentences: no analyzer pattern matches it, and it stops case context
_TOKENS = re.compile(r"[a-z0-9\n](?:(?<=\n)|[a-z0-9]*(?:['’-][a-z0-9]+)*)")  # _LATIN or _SEP
#: Distinct tokens remembered between chunks; past this the tables start afresh,
#: so memory stays bounded on any input.
MAX_TABLE = 300_000


class _SparseRows:
    """Rows of a CSR matrix that grow in batches without copying what is already there."""

    def __init__(self, n_cols: int) -> None:
        self.n_cols = n_cols
        self.reset()

    def reset(self) -> None:
        self.indptr = np.zeros(1, dtype=np.int32)
        self.indices = np.zeros(0, dtype=np.int32)
        self.data = np.zeros(0)
        self.n_rows = 0
        self.nnz = 0
        self._matrix: Any = None

    def append(self, rows: list[list[int]]) -> None:
        """Add rows given as feature ids with repeats (repeats become counts)."""
        import scipy.sparse as sp

        lens = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        flat = np.fromiter(chain.from_iterable(rows), dtype=np.int32, count=int(lens.sum()))
        ptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lens, out=ptr[1:])
        new = sp.csr_matrix((np.ones(len(flat)), flat, ptr), shape=(len(rows), self.n_cols))
        new.sum_duplicates()
        nnz = self.nnz + new.nnz
        if nnz > len(self.indices):
            cap = max(nnz, 2 * len(self.indices), 1024)
            self.indices = np.resize(self.indices, cap)
            self.data = np.resize(self.data, cap)
        if self.n_rows + len(rows) + 1 > len(self.indptr):
            self.indptr = np.resize(self.indptr, max(self.n_rows + len(rows) + 1, 2 * len(self.indptr)))
        self.indices[self.nnz : nnz] = new.indices
        self.data[self.nnz : nnz] = new.data
        self.indptr[self.n_rows + 1 : self.n_rows + len(rows) + 1] = new.indptr[1:] + self.nnz
        self.n_rows += len(rows)
        self.nnz = nnz
        self._matrix = None

    def matrix(self) -> Any:
        if self._matrix is None:
            import scipy.sparse as sp

            self._matrix = sp.csr_matrix(
                (self.data[: self.nnz], self.indices[: self.nnz], self.indptr[: self.n_rows + 1]),
                shape=(self.n_rows, self.n_cols), copy=False)
        return self._matrix


def _csr(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> Any:
    """A count matrix with one entry per (row, col) pair given; `rows` must be sorted."""
    import scipy.sparse as sp

    indptr = np.zeros(n_rows + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    return sp.csr_matrix((np.ones(len(cols)), cols.astype(np.int32, copy=False), indptr), shape=(n_rows, n_cols))


class _PairTable:
    """An open-addressing hash from pairs of token ids to a feature id, looked up with numpy.

    Word bigrams are most of the per-token work otherwise (a string join and a dictionary
    lookup per pair); only pairs that are in the vocabulary are ever inserted, so it stays
    as small as the vocabulary.
    """

    _EMPTY = -1
    _MUL = 0x9E3779B97F4A7C15

    def __init__(self, bits: int = 16) -> None:
        self.bits = bits
        self.keys = np.full(1 << bits, self._EMPTY, dtype=np.int64)
        self.values = np.zeros(1 << bits, dtype=np.int32)
        self.size = 0

    def insert(self, a: int, b: int, value: int) -> None:
        self.insert_keys(np.array([(a << 32) | b], dtype=np.int64), np.array([value]))

    def insert_keys(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Store `values[i]` under the non-negative int64 `keys[i]`, all at once: a vocabulary's
        worth of pairs in a few numpy passes, not a Python loop each. A key already stored gets
        the new value; a key given twice in one call keeps one of its two values (no caller
        gives two different ones)."""
        keys = np.asarray(keys, dtype=np.int64)
        values = np.asarray(values, dtype=np.int32)
        if 2 * (self.size + len(keys)) > len(self.keys):
            old = self.keys != self._EMPTY
            old_keys, old_values = self.keys[old], self.values[old]
            bits = self.bits + 1
            while 2 * (self.size + len(keys)) > 1 << bits:
                bits += 1
            self.__init__(bits)  # type: ignore[misc]
            self._place(old_keys, old_values)
        self._place(keys, values)

    def _home(self, keys: np.ndarray) -> np.ndarray:
        """Each key's first slot (multiplicative hashing)."""
        return ((keys.astype(np.uint64) * np.uint64(self._MUL)) >> np.uint64(64 - self.bits)).astype(np.int64)

    def _next(self, slots: np.ndarray) -> np.ndarray:
        """The slots one step further along (linear probing)."""
        return ((slots.astype(np.uint64) + np.uint64(1)) & np.uint64(len(self.keys) - 1)).astype(np.int64)

    def _place(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Linear probing, every pending key one step per round; a slot two keys reach in the
        same round goes to the first of them, the others probe on."""
        h = self._home(keys)
        pending = np.arange(len(keys))
        while len(pending):
            found = self.keys[h[pending]]
            same = found == keys[pending]
            if same.any():  # already there (or placed this round): the value is replaced
                done = pending[same]
                self.values[h[done]] = values[done]
            free = pending[found == self._EMPTY]
            slots, first = np.unique(h[free], return_index=True)
            won = free[first]
            self.keys[slots] = keys[won]
            self.values[slots] = values[won]
            self.size += len(won)
            placed = np.zeros(len(keys), dtype=bool)
            placed[won] = True
            placed[pending[same]] = True
            pending = pending[~placed[pending]]
            # Keys that lost a free slot, or met another key, move on; the others look again.
            moved = self.keys[h[pending]] != keys[pending]
            h[pending[moved]] = self._next(h[pending[moved]])

    def lookup(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The value for each pair (a[i], b[i]), or -1; negative ids never match."""
        out = np.full(len(a), -1, dtype=np.int64)
        idx = np.flatnonzero((a >= 0) & (b >= 0))
        if not len(idx) or not self.size:
            return out
        out[idx] = self.lookup_keys((a[idx] << 32) | b[idx])
        return out

    def lookup_keys(self, key: np.ndarray) -> np.ndarray:
        """The value for each non-negative int64 key (as `insert_keys` stores them), or -1."""
        out = np.full(len(key), -1, dtype=np.int64)
        if not len(key) or not self.size:
            return out
        idx = np.arange(len(key))
        h = self._home(key)
        while len(idx):
            found = self.keys[h]
            hit = found == key
            out[idx[hit]] = self.values[h[hit]]
            go_on = ~hit & (found != self._EMPTY)
            idx, key = idx[go_on], key[go_on]
            h = self._next(h[go_on])
        return out


#: The Han ranges of `script.HAN_RANGES`, for the same runs found with numpy.
_HAN_RANGES = HAN_RANGES
_HAN_BASE, _HAN_TOP = HAN_RANGES[0][0], HAN_RANGES[-1][1]


def code_points(text: str) -> np.ndarray:
    """The code points of `text` as an int64 array (lone surrogates included)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)


def _is_han(cps: np.ndarray) -> np.ndarray:
    out = np.zeros(len(cps), dtype=bool)
    for lo, hi in _HAN_RANGES:
        out |= (cps >= lo) & (cps <= hi)
    return out


class _HanGrams:
    """The Chinese character n-grams of `TextAnalyzer`, counted with numpy on code points.

    A Han run's n-grams are the n consecutive Han characters at each position, so they need
    no run, no string and no dictionary: a table of single characters and one hash table of
    packed code points (21 bits each) per n. Nothing is cached per run or per sentence, so
    text that never repeats costs the same as text that does.
    """

    def __init__(self, vocabulary: dict[str, int], ngrams: tuple[int, int]) -> None:
        self.lo, self.hi = ngrams
        self.unigram = np.full(_HAN_TOP - _HAN_BASE + 1, -1, dtype=np.int64)
        self.tables = {n: _PairTable() for n in range(max(2, self.lo), self.hi + 1)}
        grams = [g for g in vocabulary if self.lo <= len(g) <= self.hi and not g.isascii()]
        for n in range(self.lo, self.hi + 1):
            of_n = [g for g in grams if len(g) == n]
            if not of_n:
                continue
            cps = code_points("".join(of_n)).reshape(len(of_n), n)
            han = _is_han(cps.ravel()).reshape(len(of_n), n).all(axis=1)
            fids = np.fromiter((vocabulary[g] for g in of_n), dtype=np.int64, count=len(of_n))[han]
            cps = cps[han]
            if n == 1:
                self.unigram[cps[:, 0] - _HAN_BASE] = fids
                continue
            key: np.ndarray = cps[:, 0]
            for j in range(1, n):
                key = (key << 21) | cps[:, j]
            self.tables[n].insert_keys(key, fids)

    def rows_cols(self, texts: list[str], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, feature) for every Han n-gram in `texts` (no line breaks), text i on row rows[i]."""
        cps = code_points(_SEP.join(texts))
        han = _is_han(cps)
        row_at = rows[np.cumsum(cps == ord(_SEP))]
        out_rows: list[np.ndarray] = []
        out_cols: list[np.ndarray] = []
        if self.lo <= 1:
            pos = np.flatnonzero(han)
            fid = self.unigram[cps[pos] - _HAN_BASE]
            m = fid >= 0
            out_rows.append(row_at[pos[m]])
            out_cols.append(fid[m])
        run, key = han, cps
        for n in range(2, self.hi + 1):
            run = run[:-1] & han[n - 1 :]  # run[i]: characters i .. i+n-1 are all Han
            key = (key[:-1] << 21) | cps[n - 1 :]
            if n < self.lo:
                continue
            pos = np.flatnonzero(run)
            fid = self.tables[n].lookup_keys(key[pos])
            m = fid >= 0
            out_rows.append(row_at[pos[m]])
            out_cols.append(fid[m])
        if not out_rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(out_rows), np.concatenate(out_cols)


class TfidfBlock:
    """One TF-IDF vectorizer of the feature union, reduced to what scoring needs."""

    def __init__(self, analyzer: TextAnalyzer | LatinCharAnalyzer, vocabulary: dict[str, int],
                 idf: np.ndarray | None, sublinear_tf: bool, norm: str | None, weights: np.ndarray) -> None:
        self.analyzer = analyzer
        self.vocabulary = vocabulary
        self.idf = None if idf is None else np.asarray(idf, dtype=np.float64)
        self.sublinear_tf = sublinear_tf
        self.norm = norm
        w = np.asarray(weights, dtype=np.float64).T  # (n_features, n_classes)
        scale = np.ones(len(vocabulary)) if self.idf is None else self.idf
        # Scores and squared norm in one sparse product: columns idf*w and idf**2.
        self.table = np.ascontiguousarray(np.column_stack([scale[:, None] * w, scale * scale]))


class LinearScorer:
    """Logits of a union of TF-IDF blocks and a linear model, for whole chunks of sentences.

    The same numbers as `Pipeline.decision_function` (to rounding; tests check it), several
    times faster: the chunk is tokenized by one regular expression over all its sentences
    joined, each distinct English token is analyzed once and kept as a sparse row of character
    feature counts (the counts of every sentence come out of one sparse product), word bigrams
    are pairs of token ids and Chinese n-grams are packed code points, both looked up with
    numpy, so the per-sentence Python work is a dictionary lookup per token.
    """

    def __init__(self, blocks: list[TfidfBlock], intercept: np.ndarray, temperature: float,
                 classes: list[str]) -> None:
        self.blocks = blocks
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.temperature = float(temperature)
        self.classes = classes
        self._words = next((b for b in blocks if isinstance(b.analyzer, TextAnalyzer)), None)
        self._chars = next((b for b in blocks if isinstance(b.analyzer, LatinCharAnalyzer)), None)
        words = self._words.analyzer if self._words else None
        self._word_ngrams = words.word_ngrams if isinstance(words, TextAnalyzer) else (1, 1)
        self._reset()

    def _reset(self) -> None:
        self._tokens: dict[str, int] = {_SEP: -2}
        self._unigram = np.zeros(1024, dtype=np.int32)  # token id -> word-block feature (-1: none)
        self._n_tokens = 0
        chars = self._chars
        self._char_rows = _SparseRows(len(chars.vocabulary)) if chars else None
        self._pairs = _PairTable()

    def _han_grams(self) -> _HanGrams | None:
        """The word block's Chinese n-grams (built once, from the vocabulary)."""
        han = self.__dict__.get("_han")
        if han is None and self._words is not None:
            words = self._words.analyzer
            assert isinstance(words, TextAnalyzer)
            han = self.__dict__["_han"] = _HanGrams(self._words.vocabulary, words.char_ngrams)  # type: ignore[arg-type]
        return han

    def _bigram_parts(self) -> dict[str, list[tuple[str, int, bool]]]:
        """word -> (other word, feature, word comes first) for every word bigram of the vocabulary."""
        parts = self.__dict__.get("_parts")
        if parts is None:
            parts = {}
            if self._words is not None and self._word_ngrams[1] >= 2:
                for gram, fid in self._words.vocabulary.items():
                    a, sep, b = gram.partition(" ")
                    if sep and " " not in b:
                        parts.setdefault(a, []).append((b, fid, True))
                        parts.setdefault(b, []).append((a, fid, False))
            self.__dict__["_parts"] = parts
        return parts

    def __getstate__(self) -> dict[str, Any]:
        return {k: self.__dict__[k] for k in ("blocks", "intercept", "temperature", "classes")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["blocks"], state["intercept"], state["temperature"], state["classes"])  # type: ignore[misc]

    # ------------------------------------------------------------ tables

    def _token_ids(self, toks: list[str]) -> np.ndarray:
        """Ids of the tokens (-2 for the separator), adding tokens not seen before."""
        tids = np.fromiter(map(self._tokens.get, toks, repeat(-1)), dtype=np.int64, count=len(toks))
        miss = np.flatnonzero(tids == -1)
        if not len(miss):
            return tids
        if self._n_tokens and self._n_tokens + len(miss) > MAX_TABLE:
            self._reset()
            return self._token_ids(toks)
        table = self._tokens
        new: list[str] = []
        for i in miss.tolist():
            tok = toks[i]
            tid = table.get(tok)
            if tid is None:
                tid = table[tok] = self._n_tokens + len(new)
                new.append(tok)
            tids[i] = tid
        words, chars = self._words, self._chars
        n = self._n_tokens + len(new)
        if n > len(self._unigram):
            self._unigram = np.resize(self._unigram, max(n, 2 * len(self._unigram)))
        if words is not None:
            vocab = words.vocabulary if self._word_ngrams[0] <= 1 else {}
            self._unigram[self._n_tokens : n] = np.fromiter(map(vocab.get, new, repeat(-1)), dtype=np.int32,
                                                            count=len(new))
        if chars is not None and self._char_rows is not None:
            vocab, analyze = chars.vocabulary, chars.analyzer
            self._char_rows.append([[vocab[g] for g in analyze(tok) if g in vocab] for tok in new])
        self._n_tokens = n
        parts = self._bigram_parts()
        if parts:
            keys: list[int] = []
            fids: list[int] = []
            for tok in new:
                for other, fid, first in parts.get(tok, ()):
                    oid = table.get(other)
                    if oid is not None:
                        a, b = (table[tok], oid) if first else (oid, table[tok])
                        keys.append((a << 32) | b)
                        fids.append(fid)
            if keys:
                self._pairs.insert_keys(np.array(keys, dtype=np.int64), np.array(fids, dtype=np.int32))
        return tids

    # ------------------------------------------------------------ counts

    def counts(self, texts: list[str]) -> list[Any]:
        """Per block, the sentences' feature counts (a CSR matrix, indices unsorted): the same
        matrix as the block's `CountVectorizer.transform` (a test checks it)."""
        n = len(texts)
        texts = [to_simplified(t) for t in texts]  # as the training analyzer reads them
        joined = _SEP.join(texts)
        if joined.count(_SEP) != n - 1:
            # A line break is just a non-word character to the analyzers, as a space is.
            texts = [t.replace(_SEP, " ") for t in texts]
            joined = _SEP.join(texts)
        toks = _TOKENS.findall(_DIGITS.sub("0", joined.lower()))
        tids = self._token_ids(toks)
        is_sep = tids == -2
        row_at = np.cumsum(is_sep)  # the sentence of each token position
        keep = ~is_sep
        tok_rows, tok_ids = row_at[keep], tids[keep]
        out: list[Any] = []
        for block in self.blocks:
            if block is self._chars and self._char_rows is not None:
                a = _csr(tok_rows, tok_ids, n, self._char_rows.n_rows)
                out.append(a @ self._char_rows.matrix())
            elif block is self._words:
                out.append(self._word_counts(texts, toks, tids, tok_rows, tok_ids, row_at))
            else:  # pragma: no cover - LinearScorer is only built for these two analyzers
                raise TypeError(f"unsupported analyzer {block.analyzer!r}")
        return out

    def _word_counts(self, texts: list[str], toks: list[str], tids: np.ndarray, tok_rows: np.ndarray,
                     tok_ids: np.ndarray, row_at: np.ndarray) -> Any:
        assert self._words is not None
        vocab = self._words.vocabulary
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        lo, hi = self._word_ngrams
        if lo <= 1:
            uni = self._unigram[tok_ids]
            m = uni >= 0
            rows.append(tok_rows[m])
            cols.append(uni[m])
        get = vocab.get
        if lo <= 2 <= hi and len(toks) >= 2:
            ids = self._pairs.lookup(tids[:-1], tids[1:])
            m = ids >= 0
            rows.append(row_at[:-1][m])
            cols.append(ids[m])
        for k in range(max(3, lo), hi + 1):
            if len(toks) < k:
                break
            # An n-gram across sentences contains the separator, which no vocabulary entry does.
            grams = map(" ".join, zip(*(toks[j:] for j in range(k)), strict=False))
            ids = np.fromiter(map(get, grams, repeat(-1)), dtype=np.int64, count=len(toks) - k + 1)
            m = ids >= 0
            rows.append(row_at[: len(ids)][m])
            cols.append(ids[m])
        # Chinese n-grams: only sentences with non-ASCII characters can have any; case and digit
        # folding never touch Han characters, so the raw text gives the same runs.
        wide = [i for i, t in enumerate(texts) if not t.isascii()]
        han = self._han_grams() if wide else None
        if han is not None:
            r, c = han.rows_cols([texts[i] for i in wide], np.asarray(wide, dtype=np.int64))
            rows.append(r)
            cols.append(c)
        n = len(texts)
        all_rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        all_cols = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        if len(rows) > 1:
            order = np.argsort(all_rows, kind="stable")  # merges the sorted runs
            all_rows, all_cols = all_rows[order], all_cols[order]
        counts = _csr(all_rows, all_cols, n, len(vocab))
        counts.sum_duplicates()
        return counts

    # ------------------------------------------------------------ scores

    def logits(self, texts: list[str]) -> np.ndarray:
        """`intercept + sum over blocks of tfidf(block) @ weights(block)`, one row per text."""
        logits = np.tile(self.intercept, (len(texts), 1))
        if not texts:
            return logits
        for block, c in zip(self.blocks, self.counts(texts), strict=True):
            logits += _block_scores(block, c)
        return logits


def _block_scores(block: TfidfBlock, counts: Any) -> np.ndarray:
    """tf-idf (sublinear, l2-normalized as the block says) of the counts, times the weights."""
    k = block.table.shape[1] - 1
    d = counts.data
    big = np.flatnonzero(d > 1)
    raw = d[big]
    if block.sublinear_tf and len(big):
        d[big] = np.log(raw) + 1.0
    scores = counts @ block.table  # columns: sum of tf*idf*w, and sum of tf*idf**2
    if block.norm is None:
        return np.asarray(scores[:, :k])
    if block.norm != "l2":  # pragma: no cover - the model loader only builds l2 or none
        raise ValueError(f"unsupported norm {block.norm!r}")
    sq = scores[:, k]
    if len(big):
        # The product counted tf * idf**2; the norm needs tf**2 * idf**2 (they differ only where tf > 1).
        tf = d[big]
        rows = np.searchsorted(counts.indptr, big, side="right") - 1
        sq = sq + np.bincount(rows, (tf * tf - tf) * block.table[counts.indices[big], k], minlength=len(sq))
    norm = np.sqrt(sq)
    norm[norm == 0] = 1.0
    return np.asarray(scores[:, :k] / norm[:, None])
