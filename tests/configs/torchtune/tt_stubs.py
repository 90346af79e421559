"""Tiny, offline stand-ins for the parts of a torchtune recipe run that would
otherwise download a model, a tokenizer or a data set.

Only the *data* and the *weights* are stand-ins.  The recipe classes, their
``setup()`` / ``train()`` code, the real ``StatefulDataLoader`` /
``StatefulDistributedSampler`` (or ``DataLoader`` / ``DistributedSampler`` for
DPO), the real checkpointer, optimizer, LR scheduler and metric logger from the
installed torchtune are what run.  generate.py points the config's
``tokenizer`` and ``dataset`` nodes at the components below.
"""

from typing import Any, Dict, List

VOCAB_SIZE = 64
SEQ_LEN = 6


class TinyTokenizer:
    """Only ``pad_id`` is read by the recipes' data setup."""

    pad_id = 0
    eos_id = 1
    bos_id = 2

    def __init__(self, **_: Any) -> None:
        pass


def _tokens(i: int, salt: int = 0) -> List[int]:
    # deterministic, never the pad id 0
    return [3 + ((i * 7 + salt + k * 5) % (VOCAB_SIZE - 3)) for k in range(SEQ_LEN)]


class SyntheticSFTDataset:
    """Map-style data set of ``size`` items, each {"tokens", "labels"}."""

    def __init__(self, size: int) -> None:
        self._size = int(size)

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, i: int) -> Dict[str, List[int]]:
        if not 0 <= i < self._size:
            raise IndexError(i)
        toks = _tokens(i)
        return {"tokens": toks, "labels": list(toks)}


class SyntheticDPODataset:
    """Map-style preference data set of ``size`` items."""

    def __init__(self, size: int) -> None:
        self._size = int(size)

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, i: int) -> Dict[str, List[int]]:
        if not 0 <= i < self._size:
            raise IndexError(i)
        c = _tokens(i, 1)
        r = _tokens(i, 2)
        return {
            "chosen_input_ids": c,
            "chosen_labels": list(c),
            "rejected_input_ids": r,
            "rejected_labels": list(r),
        }


def synthetic_sft_dataset(tokenizer: Any = None, *, size: int) -> SyntheticSFTDataset:
    return SyntheticSFTDataset(size)


def synthetic_dpo_dataset(tokenizer: Any = None, *, size: int) -> SyntheticDPODataset:
    return SyntheticDPODataset(size)
